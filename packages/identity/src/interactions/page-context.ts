import type { Context } from 'koa';
import { isValidLangQuery, LANG_COOKIE, negotiateLanguage, type Language } from '../pages/index.ts';

/** The page language: `?lang=` (remembered in a cookie), else the cookie, else Accept-Language. */
export function pageLanguage(ctx: Context): Language {
  const query = typeof ctx.query['lang'] === 'string' ? ctx.query['lang'] : undefined;
  // Over https the cookie is __Host- like the session's: no subdomain can set it (ASVS 3.3.1).
  const cookie = ctx.secure ? `__Host-${LANG_COOKIE}` : LANG_COOKIE;
  const lang = negotiateLanguage({
    query,
    cookie: ctx.cookies.get(cookie),
    acceptLanguage: ctx.get('accept-language'),
  });
  if (query !== undefined && isValidLangQuery(query)) {
    ctx.cookies.set(cookie, lang, {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secure,
      path: '/',
      maxAge: 365 * 24 * 3600 * 1000,
      overwrite: true,
    });
  }
  return lang;
}

/**
 * Pages load only our stylesheet and run no script. Forms may post to us,
 * and the redirects after a post may lead to the app (`formTargets`).
 */
export function pageSecurityHeaders(ctx: Context, formTargets: readonly string[] = []): void {
  const targets = [...new Set(formTargets)].join(' ');
  ctx.set(
    'content-security-policy',
    `default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'${targets ? ` ${targets}` : ''}; frame-ancestors 'none'; base-uri 'none'`,
  );
  ctx.set('cache-control', 'no-store');
  ctx.type = 'text/html; charset=utf-8';
}

/** The origin of a URL, or nothing when it is not one a CSP source may name. */
export function originOf(url: unknown): string[] {
  if (typeof url !== 'string') return [];
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? [] : [origin];
  } catch {
    return [];
  }
}
