import Router from '@koa/router';
import { MAX_CHECKS, type AuthzService } from '@onegate/authz';
import { checkInput, invalid } from './authz-check-input.ts';
import type { Identity } from '@onegate/identity';
import { jsonBody } from './parse-body.ts';
import { requireScope, type ApiState } from './platform-auth.ts';

/** 1,000 checks of the longest fields allowed are under 1 MB. */
const CHECK_BODY_LIMIT = '1mb';

function requestBody(ctx: { request: unknown }): unknown {
  return (ctx.request as { body?: unknown }).body;
}

/**
 * `POST /api/v1/authz/check` (one check, or `{checks: […]}` of up to 1,000)
 * and `POST /api/v1/authz/explain`, for apps with the `authz:check` scope.
 * With the app's own token, the subject's `acr` is what the app's ID token
 * for that person said; with the person's own token, the token's.
 */
export function authzCheckRoutes(identity: Identity, authz: AuthzService): Router<ApiState> {
  const router = new Router<ApiState>({ prefix: '/api/v1/authz' });
  // Scopes per route: the admin routes share this prefix.
  const checker = requireScope(identity, 'authz:check');

  router.post('/check', checker, jsonBody({ limit: CHECK_BODY_LIMIT }), async (ctx) => {
    const body = requestBody(ctx);
    const caller = { clientId: ctx.state.caller.clientId };
    const { caller: token } = ctx.state;
    if (typeof body === 'object' && body !== null && 'checks' in body) {
      const { checks, ...rest } = body as Record<string, unknown>;
      if (Object.keys(rest).length > 0) invalid('a batch is {"checks": […]} and nothing else');
      if (!Array.isArray(checks) || checks.length === 0 || checks.length > MAX_CHECKS) {
        invalid(`checks must be a list of 1 to ${MAX_CHECKS} checks`);
      }
      const inputs = checks.map((item, i) => checkInput(item, token, i));
      ctx.body = { results: await authz.checkMany(inputs, caller) };
      return;
    }
    ctx.body = await authz.check(checkInput(body, token), caller);
  });

  router.post('/explain', checker, jsonBody(), (ctx) => {
    ctx.body = authz.explain(checkInput(requestBody(ctx), ctx.state.caller));
  });

  return router;
}
