import type { Middleware } from 'koa';

const DEFAULT_CSP = "default-src 'none'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Defaults for responses that are data, not pages; page routes loosen what they need. */
export function securityHeaders(options: { hsts: boolean }): Middleware {
  return async (ctx, next) => {
    if (options.hsts) ctx.set('strict-transport-security', 'max-age=31536000; includeSubDomains');
    ctx.set('x-content-type-options', 'nosniff');
    ctx.set('referrer-policy', 'no-referrer');
    ctx.set('x-frame-options', 'DENY');
    // script-src is named so oidc-provider can add the hash of the one inline script of a page it
    // renders itself (response_mode=form_post); base-uri does not fall back to default-src.
    ctx.set('content-security-policy', DEFAULT_CSP);
    ctx.set('cache-control', 'no-store');
    await next();
  };
}
