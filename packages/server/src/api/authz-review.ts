import Router from '@koa/router';
import type { AuthzService } from '@onegate/authz';
import type { Identity } from '@onegate/identity';
import { requireScope, type ApiState } from './platform-auth.ts';
import { queryParam as single } from './query-param.ts';

/**
 * The security officer's access review, for the `authz:admin` scope: who can
 * do an action on a resource (and by which path), and what one person can do.
 */
export function authzReviewRoutes(identity: Identity, authz: AuthzService): Router<ApiState> {
  const router = new Router<ApiState>({ prefix: '/api/v1/authz' });
  const admin = requireScope(identity, 'authz:admin');

  router.get('/who-can', admin, (ctx) => {
    ctx.body = authz.whoCan({
      action: single(ctx, 'action'),
      resource: single(ctx, 'resource'),
      purpose: single(ctx, 'purpose'),
    });
  });

  router.get('/what-can', admin, (ctx) => {
    ctx.body = authz.whatCan({ subject: single(ctx, 'subject'), department: single(ctx, 'department') });
  });

  return router;
}
