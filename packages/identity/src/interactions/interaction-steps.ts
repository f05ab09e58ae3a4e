import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { errorPage } from '../pages/index.ts';
import { requiredAcrLevel } from '../provider/acr.ts';
import { CLAIMS_BY_SCOPE } from '../provider/create-provider.ts';
import { pageLanguage, pageSecurityHeaders } from './page-context.ts';

/** What oidc-provider knows about the interaction in progress. */
export type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** The interaction of this browser, or an error page when its cookie is missing or expired. */
export async function interaction(ctx: Context, provider: Provider): Promise<Details | undefined> {
  try {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== (ctx.params as Record<string, string>)['uid'])
      throw new Error('interaction mismatch');
    const client = await provider.Client.find(String(details.params['client_id']));
    (ctx.state as { clientName?: string }).clientName = client?.clientName;
    return details;
  } catch {
    ctx.status = 400;
    renderError(ctx, 'invalid_request', 'this sign-in has expired; go back to the app and start again');
    return undefined;
  }
}

export function renderError(ctx: Context, error: string, description: string): void {
  pageSecurityHeaders(ctx);
  ctx.body = errorPage({
    lang: pageLanguage(ctx),
    currentUrl: ctx.originalUrl,
    error,
    description,
    requestId: (ctx.state as { requestId?: string }).requestId,
  });
}

export async function finish(ctx: Context, provider: Provider, result: InteractionResults): Promise<void> {
  const redirectTo = await provider.interactionResult(ctx.req, ctx.res, result, {
    // A consent keeps the sign-in it follows (else prompt=login would ask again, forever); a sign-in starts afresh.
    mergeWithLastSubmission: result.consent !== undefined,
  });
  ctx.status = 303;
  ctx.redirect(redirectTo);
}

/**
 * Grants what the app asked for and was missing: OIDC scopes, claims, and
 * resource scopes. A claim named in the `claims` parameter is granted only if
 * one of the scopes the app is registered for releases it; any other is
 * refused, so the parameter cannot reach past the registration (a phone
 * number for an app registered for `profile`) or past what the consent page
 * showed.
 */
export async function grantAll(provider: Provider, details: Details): Promise<string> {
  const accountId = details.session?.accountId;
  const clientId = String(details.params['client_id']);
  const grant = details.grantId
    ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId, clientId }))
    : new provider.Grant({ accountId, clientId });
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  const claims = splitClaims(missing.missingOIDCClaims ?? [], await registeredScopes(provider, clientId));
  if (claims.allowed.length > 0) grant.addOIDCClaims(claims.allowed);
  if (claims.refused.length > 0) grant.rejectOIDCClaims(claims.refused);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}

/**
 * The scopes a consent gives, as the consent page names them: those asked
 * for, and those whose claims were asked for one by one (and will be granted).
 */
export async function consentScopes(provider: Provider, details: Details): Promise<string[]> {
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  const registered = await registeredScopes(provider, String(details.params['client_id']));
  const { allowed } = splitClaims(missing.missingOIDCClaims ?? [], registered);
  const scopes = new Set((missing.missingOIDCScope ?? []).filter((s) => s !== 'openid'));
  for (const scope of registered) {
    if (scope !== 'openid' && CLAIMS_BY_SCOPE[scope]?.some((claim) => allowed.includes(claim)))
      scopes.add(scope);
  }
  return [...scopes];
}

async function registeredScopes(provider: Provider, clientId: string): Promise<string[]> {
  const client = await provider.Client.find(clientId);
  return String(client?.scope ?? '')
    .split(' ')
    .filter(Boolean);
}

function splitClaims(
  requested: readonly string[],
  registered: readonly string[],
): { allowed: string[]; refused: string[] } {
  const releasable = new Set(registered.flatMap((scope) => CLAIMS_BY_SCOPE[scope] ?? []));
  return {
    allowed: requested.filter((claim) => releasable.has(claim)),
    refused: requested.filter((claim) => !releasable.has(claim)),
  };
}

/** The assurance level the app asked for (acr_values or claims.id_token.acr), 0 when none. */
export function requiredLevel(details: Details): number {
  const claims = details.params['claims'] ? safeJson(details.params['claims']) : undefined;
  return requiredAcrLevel(
    details.params['acr_values'] as string | undefined,
    (claims as { id_token?: { acr?: unknown } } | undefined)?.id_token?.acr,
  );
}

function safeJson(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}
