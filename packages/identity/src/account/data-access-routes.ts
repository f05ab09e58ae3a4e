import type { KeyObject } from 'node:crypto';
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountService } from '../accounts/account-service.ts';
import type { AuditSink } from '../audit/audit-sink.ts';
import type { ClientRegistry } from '../clients/client-registry.ts';
import type { CsrfGuard } from '../interactions/csrf.ts';
import { pageLanguage, pageSecurityHeaders } from '../interactions/page-context.ts';
import { dataAccessPage, type DataAccessNotice } from '../pages/data-access-page.ts';
import { ACCOUNT_CLIENT_ID } from './account-client.ts';
import { accessesCsv } from './data-access-csv.ts';
import { accessPage, allAccesses } from './data-access-listing.ts';
import type { DataAccessReader } from './data-access-reader.ts';
import { isAccess } from './data-access-rule.ts';
import { dataSubjects } from './data-access-subjects.ts';
import { accessViews, type ViewLookups } from './data-access-view.ts';

export interface DataAccessDeps {
  reader: DataAccessReader;
  /** The provider's pairwise-subject key: the citizen's id at each pairwise app is computed with it. */
  pairwiseKey: KeyObject;
  clients: ClientRegistry;
  accounts: AccountService;
  csrf: CsrfGuard;
  audit: AuditSink;
}

type Session = Awaited<ReturnType<Provider['Session']['get']>>;

/** What the account page's router lends: its sign-in check, its CSRF check, its form parser. */
export interface AccountGuards {
  signedIn(ctx: Context): Promise<Session | undefined>;
  checkToken(ctx: Context, session: Session): boolean;
  form: Middleware;
}

const PAGE_SIZE = 20;
const NOTE_MAX = 500;

/**
 * `/account/data-access`: who looked at the citizen's personal data, from
 * the audit log; its CSV export; and "report a suspicious access", which
 * records an `account.access_report` for security officers. The data
 * subjects searched are resolved here from the session, never taken from
 * the request, so a citizen sees only events about themselves.
 */
export function dataAccessRoutes(router: Router, deps: DataAccessDeps, guards: AccountGuards): void {
  const lookups: ViewLookups = {
    client: async (id) => {
      const client = await deps.clients.get(id).catch(() => undefined);
      return client && { name: client.name, department: client.department };
    },
    account: async (id) => {
      const account = await deps.accounts.find(id).catch(() => undefined);
      return account && { username: account.username, name: account.name };
    },
  };

  async function subjectsOf(accountId: string): Promise<string[]> {
    const clients = await deps.clients.list();
    return dataSubjects(
      accountId,
      clients.map((c) => c.clientId),
      deps.pairwiseKey,
    );
  }

  async function render(ctx: Context, session: Session, notice?: DataAccessNotice): Promise<void> {
    const before = indexOf(ctx.query['before']);
    const subjects = await subjectsOf(session.accountId!);
    const page = await accessPage(deps.reader, subjects, { before, limit: PAGE_SIZE });
    pageSecurityHeaders(ctx);
    ctx.body = dataAccessPage({
      lang: pageLanguage(ctx),
      currentUrl: ctx.originalUrl,
      rows: await accessViews(page.accesses, lookups),
      csrfToken: deps.csrf.token(`account:${session.uid}`),
      notice,
      olderUrl: page.nextBefore === undefined ? undefined : `/account/data-access?before=${page.nextBefore}`,
      newestUrl: before === undefined ? undefined : '/account/data-access',
    });
  }

  /** Reading the audit log is itself audited, a citizen's own page too (issue 7). */
  const recordRead = (
    ctx: Context,
    session: Session,
    action: 'account.data_access.view' | 'account.data_access.export',
  ) =>
    deps.audit.write({
      action,
      outcome: 'success',
      actor: session.accountId!,
      subject: session.accountId!,
      clientId: ACCOUNT_CLIENT_ID,
      address: ctx.ip,
    });

  router.get('/data-access', async (ctx) => {
    const session = await guards.signedIn(ctx);
    if (!session) return;
    await render(ctx, session, ctx.query['reported'] === '1' ? 'reported' : undefined);
    await recordRead(ctx, session, 'account.data_access.view');
  });

  router.get('/data-access/export.csv', async (ctx) => {
    const session = await guards.signedIn(ctx);
    if (!session) return;
    const accesses = await allAccesses(deps.reader, await subjectsOf(session.accountId!));
    ctx.set('cache-control', 'no-store');
    ctx.set('content-disposition', 'attachment; filename="onegate-data-access.csv"');
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = accessesCsv(pageLanguage(ctx), await accessViews(accesses, lookups));
    await recordRead(ctx, session, 'account.data_access.export');
  });

  router.post('/data-access/report', guards.form, async (ctx) => {
    const session = await guards.signedIn(ctx);
    if (!session || !guards.checkToken(ctx, session)) return;
    const body = ctx.request.body as Record<string, unknown>;
    const index = indexOf(body['event']);
    const accountId = session.accountId!;
    // Only an access listed for this citizen can be reported: nothing is written for anything else.
    const event = index === undefined ? undefined : await deps.reader.event(index);
    if (index === undefined || !event || !isAccess(event, new Set(await subjectsOf(accountId)))) {
      ctx.status = 400;
      await render(ctx, session, 'report_refused');
      return;
    }
    const note = typeof body['note'] === 'string' ? oneLine(body['note']) : '';
    await deps.audit.write({
      action: 'account.access_report',
      outcome: 'success',
      actor: accountId,
      subject: accountId,
      clientId: ACCOUNT_CLIENT_ID,
      address: ctx.ip,
      // The log masks personal data in the note (an ID number, a phone number) before storing it.
      details: { eventIndex: index, ...(note === '' ? {} : { note }) },
    });
    ctx.status = 303;
    ctx.redirect('/account/data-access?reported=1');
  });
}

/** A log index from a query or form value, or nothing. */
function indexOf(value: unknown): number | undefined {
  return typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/** The note as one line of printable text, bounded. */
function oneLine(value: string): string {
  return value
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, NOTE_MAX);
}
