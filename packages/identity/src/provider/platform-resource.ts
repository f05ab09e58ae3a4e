import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import type { Client } from 'oidc-provider';
import { PLATFORM_SCOPES } from '../clients/scopes.ts';

/** The audience of access tokens for OneGate's own APIs (RFC 8707 resource indicator). */
export function platformResource(issuer: string): string {
  return `${issuer}/api/v1`;
}

export const PLATFORM_TOKEN_TTL_SECONDS = 600;

/**
 * Service clients get JWT access tokens (RFC 9068) for /api/v1, so every API
 * verifies them locally against the JWKS without a round trip.
 */
export function resourceIndicators(issuer: string) {
  const resource = platformResource(issuer);
  return {
    enabled: true,
    defaultResource: (_ctx: KoaContextWithOIDC, client: Client) =>
      client.grantTypeAllowed('client_credentials') ? resource : undefined,
    useGrantedResource: () => true,
    getResourceServerInfo: (_ctx: KoaContextWithOIDC, indicator: string): ResourceServer => {
      if (indicator !== resource) throw new errors.InvalidTarget();
      return {
        scope: PLATFORM_SCOPES.join(' '),
        audience: resource,
        accessTokenFormat: 'jwt',
        accessTokenTTL: PLATFORM_TOKEN_TTL_SECONDS,
        jwt: { sign: { alg: 'ES256' } },
      };
    },
  };
}
