import { randomUUID } from 'node:crypto';
import { withRequestContext } from '@onegate/audit';
import type { Middleware } from 'koa';
import type { Logger } from '../logger.ts';
import type { RequestState } from './state.ts';

/** An upstream proxy's id is kept only if it is short and plain, so it is safe to log and echo. */
const INBOUND_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestId(logger: Logger): Middleware<RequestState> {
  return async (ctx, next) => {
    const inbound = ctx.get('x-request-id');
    const id = INBOUND_ID.test(inbound) ? inbound : randomUUID();
    ctx.state.requestId = id;
    // Made on first use: most requests log nothing below the access line, and a child costs a masking pass.
    let log: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', {
      get: () => (log ??= logger.child({ requestId: id })),
      set: (replaced: Logger) => (log = replaced),
      enumerable: true,
      configurable: true,
    });
    ctx.set('x-request-id', id);
    // Every audit event written while this request is served carries its id and user agent.
    await withRequestContext({ requestId: id, userAgent: ctx.get('user-agent') || undefined }, next);
  };
}
