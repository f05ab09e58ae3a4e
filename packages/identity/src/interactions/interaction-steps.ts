import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { errorPage } from '../pages/index.ts';
import { requiredAcrLevel } from '../provider/acr.ts';
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

/** Grants what the app asked for and was missing: OIDC scopes, claims, and resource scopes. */
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
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  return grant.save();
}

export function missingScopes(details: Details): string[] {
  const missing = details.prompt.details as { missingOIDCScope?: string[] };
  return (missing.missingOIDCScope ?? []).filter((s) => s !== 'openid');
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
