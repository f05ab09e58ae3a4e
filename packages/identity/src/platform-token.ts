import { jwtVerify, type createLocalJWKSet } from 'jose';
import { IdentityError } from './errors.ts';

/** Who called a platform API, from a verified access token. */
export interface PlatformCaller {
  clientId: string;
  scopes: string[];
  /** The account the token acts for, when it came from a sign-in; absent for client credentials. */
  accountId?: string | undefined;
  /** The sign-in level the token itself states (`acr` claim), if any: never taken from a request body. */
  acr?: string | undefined;
}

/**
 * Verifies an RFC 9068 JWT access token for /api/v1: our signature, our issuer,
 * the platform audience, `typ: at+jwt` (so an ID token or logout token is never
 * accepted), and not expired. Every failure is the same error.
 */
export async function verifyPlatformToken(
  token: string,
  options: { keys: ReturnType<typeof createLocalJWKSet>; issuer: string; audience: string },
): Promise<PlatformCaller> {
  try {
    const { payload } = await jwtVerify(token, options.keys, {
      issuer: options.issuer,
      audience: options.audience,
      typ: 'at+jwt',
      algorithms: ['ES256', 'EdDSA'],
      requiredClaims: ['exp', 'client_id'],
    });
    const clientId = payload['client_id'];
    if (typeof clientId !== 'string') throw new Error('no client_id');
    const scope = typeof payload['scope'] === 'string' ? payload['scope'] : '';
    const accountId = payload.sub !== undefined && payload.sub !== clientId ? payload.sub : undefined;
    const acr = typeof payload['acr'] === 'string' ? payload['acr'] : undefined;
    return { clientId, scopes: scope.split(' ').filter(Boolean), accountId, acr };
  } catch {
    throw new IdentityError('ERR_INVALID_TOKEN', 'the access token is not valid for this API');
  }
}

/** Verification keys from published JWKs; made once per key change, not per request. */
export { createLocalJWKSet as platformKeySet } from 'jose';
