import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { errorPage, loggedOutPage, logoutConfirmPage } from '../pages/index.ts';
import { pageLanguage, pageSecurityHeaders } from '../interactions/page-context.ts';

/** oidc-provider's own pages (errors, logout) in OneGate's look and languages. */
export const renderError: NonNullable<Configuration['renderError']> = (ctx, out) => {
  pageSecurityHeaders(ctx);
  ctx.body = errorPage({
    lang: pageLanguage(ctx),
    currentUrl: ctx.originalUrl,
    error: out.error,
    // 4xx descriptions are written for the caller; a 5xx never shows one.
    description: out.error === 'server_error' ? undefined : out.error_description,
    requestId: (ctx.state as { requestId?: string }).requestId,
  });
};

/** The "sign out of every service?" confirmation; oidc-provider hands us its form, we take its fields. */
export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  const action = /action="([^"]+)"/.exec(form)?.[1] ?? '';
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
  pageSecurityHeaders(ctx, postLogoutTargets(ctx));
  ctx.body = logoutConfirmPage({
    lang: pageLanguage(ctx),
    currentUrl: ctx.originalUrl,
    action,
    xsrf,
    clientName: ctx.oidc.client?.clientName,
  });
  await Promise.resolve();
}

/**
 * Sent with the end of a sign-out (ASVS 14.3.1): the browser drops what it
 * cached or stored for OneGate's origin. Not `"cookies"`: that directive
 * clears every cookie of the registrable domain, which government sites
 * share (a sign-out here would sign the citizen out of sibling services that
 * are not OneGate's to end); OneGate's own cookies are expired by name.
 */
export const CLEAR_SITE_DATA = '"cache", "storage"';

export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  pageSecurityHeaders(ctx);
  ctx.set('clear-site-data', CLEAR_SITE_DATA);
  ctx.body = loggedOutPage({ lang: pageLanguage(ctx), currentUrl: ctx.originalUrl });
  await Promise.resolve();
}

/** After the confirm post, the browser is redirected to the app's post-logout URI: CSP form-action must allow it. */
function postLogoutTargets(ctx: KoaContextWithOIDC): string[] {
  const uris = ctx.oidc.client?.postLogoutRedirectUris ?? [];
  return uris.flatMap((uri) => {
    try {
      return [new URL(uri).origin];
    } catch {
      return [];
    }
  });
}
