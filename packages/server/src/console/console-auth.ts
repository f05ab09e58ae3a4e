import type { Context, Middleware, Next } from 'koa';
import { html } from '@onegate/identity';
import type { ConsoleDeps } from './console-deps.ts';
import { SHELL_MESSAGES } from './console-messages.ts';
import { consoleLanguage, consolePage } from './console-page.ts';
import { formBody } from '../api/parse-body.ts';
import { MinuteCounts } from '../http/minute-counts.ts';

/** The role that makes an account a platform-wide officer, and the department it must be held in. */
export const SECURITY_OFFICER_ROLE = 'security-officer';
export const PLATFORM_DEPARTMENT = 'onegate';
/** The role that makes an account the administrator of the department it is held in. */
export const DEPARTMENT_ADMIN_ROLE = 'department-admin';

/** The signed-in officer, as `requireConsole` lets a request through. */
export interface Officer {
  accountId: string;
  /** What the header shows: the sign-in name, never the opaque id. */
  username: string;
  acr: string;
  /** `security-officer` in department `onegate`: reads everything, changes nothing. */
  securityOfficer: boolean;
  /** Departments where the account holds `department-admin`, sorted. */
  departmentAdminOf: string[];
  /** The anti-forgery token for this session's console forms (hidden field `csrf`). */
  csrfToken: string;
  /** What the token is bound to (the OneGate session); never rendered. */
  csrfBinding: string;
  signOutUrl: string;
}

export interface ConsoleState {
  officer: Officer;
}

/**
 * Lets only an officer through, with `ctx.state.officer` set. Signed out, or
 * signed in below substantial, the browser goes to OneGate's authorization
 * endpoint asking for substantial (a step-up when already signed in) and comes
 * back here; a GET returns to the same page, a POST to the console's start.
 * Signed in with neither role: a 403 page, and the refusal is audited.
 */
export function requireConsole(deps: ConsoleDeps): Middleware {
  const counts = officerCounts(deps);
  return async (ctx: Context, next: Next) => {
    const signIn = await deps.identity.consoleSignIn(ctx);
    if (!signIn || !signIn.substantial || signIn.acr === undefined) {
      const back = ctx.method === 'GET' || ctx.method === 'HEAD' ? ctx.originalUrl : '/console';
      ctx.status = 303;
      ctx.redirect(deps.identity.consoleSignInUrl(back));
      return;
    }
    const refused = counts.take(
      signIn.accountId,
      'requests_per_minute',
      deps.config.consoleRequestsPerOfficerPerMinute,
    );
    if (refused) {
      if (refused.first) {
        await deps.audit.write({
          action: 'console.access',
          outcome: 'denied',
          actor: signIn.accountId,
          address: ctx.ip,
          reason: 'rate_limited',
          details: { path: ctx.path, retry_after_seconds: refused.retryAfterSeconds },
        });
      }
      tooMany(ctx, refused.retryAfterSeconds);
      return;
    }
    const roles = await deps.authz.assignments({ subject: signIn.accountId }).catch(() => []);
    const securityOfficer = roles.some(
      (a) => a.role === SECURITY_OFFICER_ROLE && a.department === PLATFORM_DEPARTMENT,
    );
    const departmentAdminOf = [
      ...new Set(roles.filter((a) => a.role === DEPARTMENT_ADMIN_ROLE).map((a) => a.department)),
    ].sort();
    if (!securityOfficer && departmentAdminOf.length === 0) {
      await deps.audit.write({
        action: 'console.access',
        outcome: 'denied',
        actor: signIn.accountId,
        address: ctx.ip,
        reason: 'no_console_role',
        details: { path: ctx.path },
      });
      forbidden(ctx);
      return;
    }
    const binding = `console:${signIn.sessionUid}`;
    const account = await deps.identity.accounts.find(signIn.accountId);
    (ctx.state as ConsoleState).officer = {
      accountId: signIn.accountId,
      username: account?.username ?? signIn.accountId,
      acr: signIn.acr,
      securityOfficer,
      departmentAdminOf,
      csrfToken: deps.identity.consoleCsrf.token(binding),
      csrfBinding: binding,
      signOutUrl: deps.identity.consoleSignOutUrl(),
    };
    await next();
  };
}

/**
 * One count per signed-in person across every console section (each builds
 * its own `requireConsole`), so paging the audit log or the access review
 * through the console is held to a person's pace (ASVS 2.4.1).
 */
const countsByDeps = new WeakMap<ConsoleDeps, MinuteCounts<'requests_per_minute'>>();

function officerCounts(deps: ConsoleDeps): MinuteCounts<'requests_per_minute'> {
  let counts = countsByDeps.get(deps);
  if (!counts) countsByDeps.set(deps, (counts = new MinuteCounts()));
  return counts;
}

/** Only platform-wide security officers (after `requireConsole`); anyone else gets the 403 page. */
export function requireSecurityOfficer(): Middleware {
  return async (ctx: Context, next: Next) => {
    if (!(ctx.state as ConsoleState).officer.securityOfficer) {
      forbidden(ctx);
      return;
    }
    await next();
  };
}

/**
 * A console form post (after `requireConsole`): url-encoded body of at most
 * 16 KiB, from our own origin (Sec-Fetch-Site, Origin) and carrying this
 * session's token in `csrf` (ASVS 3.5.1). Otherwise 403 and nothing happens.
 */
export function consoleForm(deps: ConsoleDeps): Middleware {
  const parse = formBody('16kb');
  return async (ctx: Context, next: Next) => {
    await parse(ctx, async () => {
      const officer = (ctx.state as ConsoleState).officer;
      const presented = (ctx.request.body as Record<string, unknown> | undefined)?.['csrf'];
      if (!deps.identity.consoleCsrf.verify(ctx, officer.csrfBinding, presented)) {
        const t = SHELL_MESSAGES[consoleLanguage(ctx)];
        consolePage(ctx, {
          title: t.forbiddenTitle,
          active: null,
          body: html`<p role="alert">${t.expiredForm}</p>`,
        });
        ctx.status = 403;
        return;
      }
      await next();
    });
  };
}

/** The 403 page in the officer's language. */
function tooMany(ctx: Context, seconds: number): void {
  const t = SHELL_MESSAGES[consoleLanguage(ctx)];
  consolePage(ctx, {
    title: t.tooManyTitle,
    active: null,
    body: html`<div class="notice notice-error" role="alert"><p>${t.tooManyBody(seconds)}</p></div>`,
  });
  ctx.status = 429;
  ctx.set('Retry-After', String(seconds));
}

export function forbidden(ctx: Context): void {
  const t = SHELL_MESSAGES[consoleLanguage(ctx)];
  consolePage(ctx, {
    title: t.forbiddenTitle,
    active: null,
    body: html`<div class="notice notice-error" role="alert">
        <p>${t.forbiddenBody}</p>
      </div>
      <p>${t.forbiddenHint}</p>`,
  });
  ctx.status = 403;
}
