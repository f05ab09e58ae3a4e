import type { Middleware } from 'koa';
import type { RequestState } from './state.ts';

/**
 * In production the issuer is https, so a request that reached OneGate over
 * plain HTTP (no TLS of its own, no trusted proxy saying it terminated TLS)
 * is refused before any route sees it: tokens, secrets and cookies never
 * travel in clear because a proxy or a caller was misconfigured (ASVS 12.2.1,
 * 12.3.3). Health probes (`exempt`) stay answerable on a private network.
 */
export function httpsOnly(exempt: (path: string) => boolean): Middleware<RequestState> {
  return async (ctx, next) => {
    if (ctx.secure || exempt(ctx.path)) {
      await next();
      return;
    }
    ctx.status = 403;
    ctx.body = {
      error: 'invalid_request',
      error_description:
        'OneGate answers only over https; behind a TLS-terminating proxy, set ONEGATE_TRUST_PROXY and ONEGATE_TRUSTED_PROXIES',
    };
  };
}
