import type { Middleware } from 'koa';

/** Defaults for responses that are data, not pages; page routes loosen what they need. */
export function securityHeaders(options: { hsts: boolean }): Middleware {
  return async (ctx, next) => {
    if (options.hsts) ctx.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
    ctx.set('x-content-type-options', 'nosniff');
    ctx.set('referrer-policy', 'no-referrer');
    ctx.set('x-frame-options', 'DENY');
    ctx.set('content-security-policy', "default-src 'none'; frame-ancestors 'none'");
    ctx.set('cache-control', 'no-store');
    await next();
  };
}
