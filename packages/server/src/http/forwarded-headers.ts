import type { Middleware } from 'koa';
import type { TrustedProxies } from './trusted-proxies.ts';
import type { RequestState } from './state.ts';

const FORWARDED = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded'];

/**
 * With ONEGATE_TRUST_PROXY, Koa believes X-Forwarded-* from any peer. When the
 * proxies are named (ONEGATE_TRUSTED_PROXIES), headers from anyone else are
 * dropped before Koa reads them, so a client that reaches OneGate directly
 * cannot choose its logged address or make a plain-HTTP request look secure
 * (ASVS 4.1.3).
 */
export function forwardedHeadersOnlyFrom(proxies: TrustedProxies): Middleware<RequestState> {
  return async (ctx, next) => {
    if (!proxies.has(ctx.req.socket.remoteAddress)) {
      for (const name of FORWARDED) delete ctx.req.headers[name];
    }
    await next();
  };
}
