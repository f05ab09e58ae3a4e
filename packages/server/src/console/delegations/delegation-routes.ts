import Router from '@koa/router';
import type { Context } from 'koa';
import { isAuthzError, type Delegation } from '@onegate/authz';
import type { AppDeps } from '../../app.ts';
import { consoleForm, requireConsole, type ConsoleState, type Officer } from '../console-auth.ts';
import { consoleLanguage, consolePage } from '../console-page.ts';
import {
  delegationRequest,
  emptyForm,
  FormProblem,
  formValues,
  type DelegationFormValues,
} from './delegation-form.ts';
import { DELEGATION_MESSAGES } from './delegation-messages.ts';
import { delegationsBody, type DelegationsModel } from './delegation-page.ts';
import { delegationState, ownsDelegation } from './delegation-status.ts';

type Act = 'created' | 'approved' | 'revoked';
const AUDIT_ACTION: Record<Act, string> = {
  created: 'console.delegation_create',
  approved: 'console.delegation_approve',
  revoked: 'console.delegation_revoke',
};

/** A change refused before or by authz: shown on the page, nothing changed. */
class Refused extends Error {
  readonly status: number;
  readonly reason: string;

  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

/**
 * `/console/delegations`: the list with each delegation's state, and the
 * create, approve and revoke forms. Every change goes through AuthzService
 * (which enforces the two-person rule and audits the change itself) with the
 * officer's account id as the actor; the console only adds that the acting
 * officer administers the sharing department, and audits the console act,
 * refused or not.
 */
export function delegationRoutes(deps: AppDeps): Router<ConsoleState> {
  const router = new Router<ConsoleState>();
  const officerOnly = requireConsole(deps);
  const form = consoleForm(deps);

  router.get('/console/delegations', officerOnly, async (ctx) => {
    const done = doneNotice(ctx.query);
    await render(deps, ctx, { ...(done ? { done } : {}) });
  });

  router.post('/console/delegations', officerOnly, form, async (ctx) => {
    const officer = ctx.state.officer;
    const t = DELEGATION_MESSAGES[consoleLanguage(ctx)];
    const values = formValues(body(ctx));
    const from = values.fromDepartment.trim();
    try {
      if (!officer.departmentAdminOf.includes(from)) {
        throw new Refused(403, 'not_department_admin', t.notOwner(from || '—'));
      }
      let request: Record<string, unknown>;
      try {
        request = delegationRequest(values, Date.now());
      } catch (err) {
        if (err instanceof FormProblem) throw new Refused(400, 'invalid', t.badDate);
        throw err;
      }
      const created = await authzChange(
        () => deps.authz.createDelegation(request, officer.accountId),
        t.refused,
      );
      await audit(deps, ctx, officer, 'created', created.id);
      ctx.redirect(`/console/delegations?done=created&id=${encodeURIComponent(created.id)}`);
      ctx.status = 303;
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      await audit(deps, ctx, officer, 'created', values.id.trim() || null, err);
      await render(deps, ctx, { form: values, formError: err.message }, err.status);
    }
  });

  for (const act of ['approved', 'revoked'] as const) {
    const path = act === 'approved' ? 'approve' : 'revoke';
    router.post(`/console/delegations/:id/${path}`, officerOnly, form, async (ctx) => {
      const officer = ctx.state.officer;
      const t = DELEGATION_MESSAGES[consoleLanguage(ctx)];
      const id = ctx.params['id'] ?? '';
      try {
        const d = await authzChange(() => deps.authz.delegation(id), t.refused);
        if (!ownsDelegation(officer, d))
          throw new Refused(403, 'not_department_admin', t.notOwner(d.fromDepartment));
        const reason = body(ctx)['reason'];
        await authzChange(
          () =>
            act === 'approved'
              ? deps.authz.approveDelegation(id, officer.accountId)
              : deps.authz.revokeDelegation(
                  id,
                  officer.accountId,
                  typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : undefined,
                ),
          t.refused,
        );
        await audit(deps, ctx, officer, act, id);
        ctx.redirect(`/console/delegations?done=${act}&id=${encodeURIComponent(id)}`);
        ctx.status = 303;
      } catch (err) {
        if (!(err instanceof Refused)) throw err;
        await audit(deps, ctx, officer, act, id.slice(0, 128), err);
        await render(deps, ctx, { actionError: err.message }, err.status);
      }
    });
  }

  return router;
}

function body(ctx: Context): Record<string, unknown> {
  const parsed = (ctx.request as { body?: unknown }).body;
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

/** Runs an authz call; its refusals (bad input, unknown id, the two-person rule) become a `Refused`. */
async function authzChange<R>(run: () => Promise<R>, refused: (message: string) => string): Promise<R> {
  try {
    return await run();
  } catch (err) {
    if (isAuthzError(err, 'ERR_AUTHZ_INVALID')) throw new Refused(400, 'invalid', refused(err.message));
    if (isAuthzError(err, 'ERR_AUTHZ_NOT_FOUND')) throw new Refused(404, 'not_found', refused(err.message));
    if (isAuthzError(err, 'ERR_AUTHZ_CONFLICT')) throw new Refused(409, 'conflict', refused(err.message));
    throw err;
  }
}

async function audit(
  deps: AppDeps,
  ctx: Context,
  officer: Officer,
  act: Act,
  delegationId: string | null,
  refused?: Refused,
): Promise<void> {
  await deps.audit.write({
    action: AUDIT_ACTION[act],
    outcome: refused ? (refused.status === 403 || refused.status === 409 ? 'denied' : 'failure') : 'success',
    actor: officer.accountId,
    address: ctx.ip,
    ...(refused ? { reason: refused.reason } : {}),
    details: { delegationId },
  });
}

function doneNotice(query: Record<string, unknown>): DelegationsModel['done'] {
  const kind = query['done'];
  const id = query['id'];
  if (
    (kind === 'created' || kind === 'approved' || kind === 'revoked') &&
    typeof id === 'string' &&
    id.length <= 128
  ) {
    return { kind, id };
  }
  return undefined;
}

/** Pending first (they need someone), then by the end date, soonest first. */
const ORDER: Record<ReturnType<typeof delegationState>, number> = {
  pending: 0,
  expiring: 1,
  active: 2,
  scheduled: 3,
  expired: 4,
  revoked: 5,
};

async function render(
  deps: AppDeps,
  ctx: Context,
  extra: Partial<Pick<DelegationsModel, 'formError' | 'actionError' | 'done'>> & {
    form?: DelegationFormValues;
  },
  status = 200,
): Promise<void> {
  const lang = consoleLanguage(ctx);
  const officer = (ctx.state as ConsoleState).officer;
  const now = Date.now();
  const visible = (d: Delegation) =>
    officer.securityOfficer ||
    officer.departmentAdminOf.includes(d.fromDepartment) ||
    officer.departmentAdminOf.includes(d.toDepartment);
  const delegations = (await deps.authz.delegations())
    .filter(visible)
    .sort(
      (a, b) =>
        ORDER[delegationState(a, now)] - ORDER[delegationState(b, now)] ||
        a.expiresAt - b.expiresAt ||
        a.id.localeCompare(b.id),
    );
  consolePage(ctx, {
    title: DELEGATION_MESSAGES[lang].title,
    active: 'delegations',
    body: delegationsBody({
      lang,
      officer,
      now,
      delegations,
      departments: await deps.authz.departments(),
      form: extra.form ?? emptyForm(new Date(now).toISOString().slice(0, 10)),
      formError: extra.formError,
      actionError: extra.actionError,
      done: extra.done,
    }),
  });
  ctx.status = status;
}
