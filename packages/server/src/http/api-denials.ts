import type { Middleware } from 'koa';
import type { ComponentAuditSink } from '@onegate/audit';
import type { PlatformCaller } from '@onegate/identity';
import type { RequestState } from './state.ts';

/**
 * A platform API call refused for want of a scope is audited (ASVS 16.3.2):
 * a client probing APIs it was not given shows in the log, by client, method
 * and path (never the query string). Only authenticated callers: a request
 * with no valid token is not written, so anyone cannot fill the append-only
 * log with noise.
 */
export function auditApiDenials(audit: ComponentAuditSink): Middleware<RequestState> {
  return async (ctx, next) => {
    await next();
    if (ctx.status !== 403 || !ctx.path.startsWith('/api/v1/')) return;
    if ((ctx.body as { error?: unknown } | undefined)?.error !== 'insufficient_scope') return;
    const caller = (ctx.state as { caller?: PlatformCaller }).caller;
    if (!caller) return;
    await audit.write({
      action: 'onegate.api_denied',
      outcome: 'denied',
      reason: 'insufficient_scope',
      actor: caller.accountId ?? caller.clientId,
      clientId: caller.clientId,
      address: ctx.ip,
      details: { method: ctx.method, path: ctx.path },
    });
  };
}
