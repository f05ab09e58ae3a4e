import Router from '@koa/router';
import type { Context } from 'koa';
import { AuthzError, type AuthzService } from '@onegate/authz';
import type { Identity, PlatformCaller } from '@onegate/identity';
import { jsonBody } from './parse-body.ts';
import { requireScope, type ApiState } from './platform-auth.ts';
import { queryParam as query } from './query-param.ts';

function invalid(message: string): never {
  throw new AuthzError('ERR_AUTHZ_INVALID', message);
}

/** The JSON object body; anything else (a list, a string, nothing) is a 400. */
function objectBody(ctx: Context): Record<string, unknown> {
  const body = (ctx.request as { body?: unknown }).body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    invalid('the body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** The body with the fields named by the path; a body that names something else is refused. */
function withPath(ctx: Context, fields: Record<string, string | undefined>): Record<string, unknown> {
  const body = objectBody(ctx);
  for (const [field, value] of Object.entries(fields)) {
    if (body[field] !== undefined && body[field] !== value) {
      invalid(`${field} in the body differs from the path`);
    }
  }
  return { ...body, ...fields };
}

/** Who made a change: the signed-in officer when the token is theirs, else the service client. */
function actor(caller: PlatformCaller): string {
  return caller.accountId ?? caller.clientId;
}

/**
 * `/api/v1/authz/…` for the `authz:admin` scope: departments, roles, role
 * assignments, rules and delegations. Every change goes through the
 * service, which checks it against the policy before writing, audits it with
 * before/after, and tells every instance.
 */
export function authzAdminRoutes(identity: Identity, authz: AuthzService): Router<ApiState> {
  const router = new Router<ApiState>({ prefix: '/api/v1/authz' });
  const admin = requireScope(identity, 'authz:admin');
  const body = jsonBody({ methods: ['POST', 'PUT', 'DELETE'] });

  // ---- departments
  router.get('/departments', admin, async (ctx) => {
    ctx.body = { departments: await authz.departments() };
  });
  router.get('/departments/:id', admin, async (ctx) => {
    ctx.body = { department: await authz.department(ctx.params['id']) };
  });
  router.put('/departments/:id', admin, body, async (ctx) => {
    const { department, created } = await authz.putDepartment(
      withPath(ctx, { id: ctx.params['id'] }),
      actor(ctx.state.caller),
    );
    ctx.status = created ? 201 : 200;
    ctx.body = { department };
  });
  router.delete('/departments/:id', admin, async (ctx) => {
    await authz.removeDepartment(ctx.params['id'], actor(ctx.state.caller));
    ctx.status = 204;
  });

  // ---- roles
  router.get('/roles', admin, async (ctx) => {
    ctx.body = { roles: await authz.roles(query(ctx, 'department')) };
  });
  router.get('/roles/:department/:name', admin, async (ctx) => {
    ctx.body = { role: await authz.role(ctx.params['department'], ctx.params['name']) };
  });
  router.put('/roles/:department/:name', admin, body, async (ctx) => {
    const { department, name } = ctx.params;
    const { role, created } = await authz.putRole(
      withPath(ctx, { department, name }),
      actor(ctx.state.caller),
    );
    ctx.status = created ? 201 : 200;
    ctx.body = { role };
  });
  router.delete('/roles/:department/:name', admin, async (ctx) => {
    await authz.removeRole(ctx.params['department'], ctx.params['name'], actor(ctx.state.caller));
    ctx.status = 204;
  });

  // ---- role assignments
  router.get('/assignments', admin, async (ctx) => {
    ctx.body = {
      assignments: await authz.assignments({
        subject: query(ctx, 'subject'),
        department: query(ctx, 'department'),
        role: query(ctx, 'role'),
      }),
    };
  });
  router.post('/assignments', admin, body, async (ctx) => {
    const { assignment, created } = await authz.assign(objectBody(ctx), actor(ctx.state.caller));
    ctx.status = created ? 201 : 200;
    ctx.body = { assignment };
  });
  // The assignment in the body, or in the query (some clients send no body with DELETE).
  router.delete('/assignments', admin, body, async (ctx) => {
    const inBody = objectBody(ctx);
    const given =
      Object.keys(inBody).length > 0
        ? inBody
        : { subject: query(ctx, 'subject'), department: query(ctx, 'department'), role: query(ctx, 'role') };
    await authz.unassign(given, actor(ctx.state.caller));
    ctx.status = 204;
  });

  // ---- rules
  router.get('/rules', admin, async (ctx) => {
    ctx.body = { rules: await authz.rules(query(ctx, 'department')) };
  });
  router.get('/rules/:id', admin, async (ctx) => {
    ctx.body = { rule: await authz.rule(ctx.params['id']) };
  });
  router.put('/rules/:id', admin, body, async (ctx) => {
    const { rule, created } = await authz.putRule(
      withPath(ctx, { id: ctx.params['id'] }),
      actor(ctx.state.caller),
    );
    ctx.status = created ? 201 : 200;
    ctx.body = { rule };
  });
  router.delete('/rules/:id', admin, async (ctx) => {
    await authz.removeRule(ctx.params['id'], actor(ctx.state.caller));
    ctx.status = 204;
  });

  // ---- delegations (data-sharing agreements)
  router.get('/delegations', admin, async (ctx) => {
    ctx.body = {
      delegations: await authz.delegations({
        department: query(ctx, 'department'),
        status: query(ctx, 'status'),
      }),
    };
  });
  router.get('/delegations/:id', admin, async (ctx) => {
    ctx.body = { delegation: await authz.delegation(ctx.params['id']) };
  });
  router.post('/delegations', admin, body, async (ctx) => {
    ctx.status = 201;
    ctx.body = { delegation: await authz.createDelegation(objectBody(ctx), actor(ctx.state.caller)) };
  });
  router.post('/delegations/:id/approve', admin, async (ctx) => {
    ctx.body = { delegation: await authz.approveDelegation(ctx.params['id'], actor(ctx.state.caller)) };
  });
  router.post('/delegations/:id/revoke', admin, body, async (ctx) => {
    const reason = objectBody(ctx)['reason'];
    ctx.body = {
      delegation: await authz.revokeDelegation(ctx.params['id'], actor(ctx.state.caller), reason),
    };
  });

  return router;
}
