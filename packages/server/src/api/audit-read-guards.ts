import { Readable } from 'node:stream';
import type { Context, Middleware } from 'koa';
import type { ComponentAuditSink } from '@onegate/audit';
import { ServerError } from '../errors.ts';
import type { AuditReadLimits, AuditReadRefusal } from './audit-read-limits.ts';
import type { ApiState } from './platform-auth.ts';

type ApiContext = Context & { state: ApiState };

/** Before a search page or entry read, after the caller is known: counts it or answers 429. */
export function limitSearches(limits: AuditReadLimits, audit: ComponentAuditSink): Middleware<ApiState> {
  return async (ctx, next) => {
    const refused = limits.takeSearch(ctx.state.caller.clientId);
    if (refused) await refuse(ctx, audit, 'audit.read', refused, limits);
    await next();
  };
}

/**
 * Before an export: counts it and holds a concurrent slot until the download
 * has been sent or cut off (the response closes), or answers 429.
 */
export function limitExports(limits: AuditReadLimits, audit: ComponentAuditSink): Middleware<ApiState> {
  return async (ctx, next) => {
    const slot = limits.startExport(ctx.state.caller.clientId);
    if ('limit' in slot) return refuse(ctx, audit, 'audit.export', slot, limits);
    let streaming = false;
    try {
      await next();
      // The body streams after the middleware returns; the slot is held until the response closes.
      if (ctx.body instanceof Readable) {
        streaming = true;
        if (ctx.res.closed) slot.release();
        else ctx.res.once('close', () => slot.release());
      }
    } finally {
      if (!streaming) slot.release();
    }
  };
}

const WHAT: Record<AuditReadRefusal['limit'], (limits: AuditReadLimits) => string> = {
  searches_per_minute: (l) => `this app may read at most ${l.options.searchesPerMinute} audit pages a minute`,
  exports_per_minute: (l) =>
    `this app may start at most ${l.options.exportsPerMinute} audit exports a minute`,
  concurrent_exports: (l) => `this app may run at most ${l.options.concurrentExports} audit exports at once`,
};

/** 429 with Retry-After; the first refusal of a limit per app and minute is audited, the rest only answered. */
async function refuse(
  ctx: ApiContext,
  audit: ComponentAuditSink,
  action: 'audit.read' | 'audit.export',
  refused: AuditReadRefusal,
  limits: AuditReadLimits,
): Promise<never> {
  if (refused.first) {
    const { caller } = ctx.state;
    await audit.write({
      action,
      outcome: 'denied',
      reason: 'rate_limited',
      actor: caller.accountId ?? caller.clientId,
      clientId: caller.clientId,
      address: ctx.ip,
      details: { limit: refused.limit, retry_after_seconds: refused.retryAfterSeconds },
    });
  }
  throw new ServerError('ERR_RATE_LIMITED', WHAT[refused.limit](limits), {
    retryAfterSeconds: refused.retryAfterSeconds,
  });
}
