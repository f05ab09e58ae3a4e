import Router from '@koa/router';
import { AuthzError, MAX_CHECKS, type AuthzService } from '@onegate/authz';
import type { Identity } from '@onegate/identity';
import { jsonBody } from './parse-body.ts';
import { requireScope, type ApiState } from './platform-auth.ts';

const CHECK_FIELDS = new Set(['subject', 'action', 'resource', 'purpose', 'acr']);

/** 1,000 checks of the longest fields allowed are under 1 MB. */
const CHECK_BODY_LIMIT = '1mb';

function invalid(message: string): never {
  throw new AuthzError('ERR_AUTHZ_INVALID', message);
}

/**
 * One check as the app sent it: only the fields a check has (a misspelt
 * `purpose` must not pass as "no purpose"), and the subject defaulting to
 * the signed-in user whose token the app calls with.
 */
function checkInput(value: unknown, accountId: string | undefined, index?: number): unknown {
  const where = index === undefined ? '' : `checks[${index}]: `;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    invalid(`${where}a check must be a JSON object`);
  }
  if (Object.keys(value).some((key) => !CHECK_FIELDS.has(key))) {
    invalid(`${where}a check has only the fields subject, action, resource, purpose, acr`);
  }
  const check = value as Record<string, unknown>;
  return check['subject'] === undefined && accountId !== undefined ? { ...check, subject: accountId } : check;
}

function requestBody(ctx: { request: unknown }): unknown {
  return (ctx.request as { body?: unknown }).body;
}

/**
 * `POST /api/v1/authz/check` (one check, or `{checks: […]}` of up to 1,000)
 * and `POST /api/v1/authz/explain`, for apps with the `authz:check` scope.
 * The subject's `acr` is what the app's ID token for that user said.
 */
export function authzCheckRoutes(identity: Identity, authz: AuthzService): Router<ApiState> {
  const router = new Router<ApiState>({ prefix: '/api/v1/authz' });
  // Scopes per route: the admin routes share this prefix.
  const checker = requireScope(identity, 'authz:check');

  router.post('/check', checker, jsonBody({ limit: CHECK_BODY_LIMIT }), async (ctx) => {
    const body = requestBody(ctx);
    const caller = { clientId: ctx.state.caller.clientId };
    const accountId = ctx.state.caller.accountId;
    if (typeof body === 'object' && body !== null && 'checks' in body) {
      const { checks, ...rest } = body as Record<string, unknown>;
      if (Object.keys(rest).length > 0) invalid('a batch is {"checks": […]} and nothing else');
      if (!Array.isArray(checks) || checks.length === 0 || checks.length > MAX_CHECKS) {
        invalid(`checks must be a list of 1 to ${MAX_CHECKS} checks`);
      }
      const inputs = checks.map((item, i) => checkInput(item, accountId, i));
      ctx.body = { results: await authz.checkMany(inputs, caller) };
      return;
    }
    ctx.body = await authz.check(checkInput(body, accountId), caller);
  });

  router.post('/explain', checker, jsonBody(), (ctx) => {
    ctx.body = authz.explain(checkInput(requestBody(ctx), ctx.state.caller.accountId));
  });

  return router;
}
