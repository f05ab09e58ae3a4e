import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { RefusalAudit } from '../audit/refusal-audit.ts';

/**
 * Errors at the authorization endpoint that are a person's own choice or a
 * normal step of single sign-on (`prompt=none` outside a session): not
 * refusals worth an audit event.
 */
const ORDINARY = new Set([
  'login_required',
  'consent_required',
  'interaction_required',
  'account_selection_required',
  'access_denied',
]);

/** oidc-provider's route → the audit action of a refused request there. */
const REFUSALS = [
  ['authorization.error', 'authorization.refused', 'authorization'],
  ['pushed_authorization_request.error', 'authorization.refused', 'par'],
  ['end_session.error', 'logout.refused', 'end_session'],
  ['end_session_confirm.error', 'logout.refused', 'end_session'],
] as const;

/** Request parameters that say what was asked for, as sent (unverified, so only in `details`, cut short). */
const ASKED = ['client_id', 'redirect_uri', 'post_logout_redirect_uri', 'response_type', 'scope'] as const;

/**
 * Requests the provider refused that could be an attack on the flow itself
 * (ASVS 16.3.3): an unregistered `redirect_uri` or `post_logout_redirect_uri`,
 * a missing PKCE challenge, an unknown client, a bad request object. Anyone
 * can send these, so they go through `RefusalAudit`'s per-source allowance.
 */
export function auditProviderRefusals(provider: Provider, refusals: RefusalAudit): void {
  // One listener shape for four events, which the provider's types declare one by one.
  const on = provider.on.bind(provider) as (
    event: string,
    listener: (ctx: KoaContextWithOIDC, err: { error?: string }) => void,
  ) => void;
  for (const [event, action, endpoint] of REFUSALS) {
    on(event, (ctx, err) => {
      const code = err.error ?? 'invalid_request';
      if (ORDINARY.has(code)) return;
      // Before the provider read them (an early error), the request's own query or form.
      const params = (ctx.oidc?.params ??
        (ctx.method === 'POST' ? ctx.oidc?.body : ctx.query) ??
        {}) as Record<string, unknown>;
      const asked: Record<string, string> = {};
      for (const name of ASKED) {
        const value = params[name];
        if (typeof value === 'string' && value !== '') asked[name] = value.slice(0, 256);
      }
      refusals.report({
        action,
        outcome: 'denied',
        reason: code,
        clientId: ctx.oidc?.client?.clientId,
        address: ctx.ip,
        details: { endpoint, ...asked },
      });
    });
  }
}
