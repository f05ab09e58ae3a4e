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
  /**
   * RFC 8705 `cnf.x5t#S256` of a certificate-bound token: the API must see this
   * certificate on the request, or the token is not the caller's to use.
   */
  certificateThumbprint?: string | undefined;
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
    const certificateThumbprint = boundThumbprint(payload['cnf']);
    return { clientId, scopes: scope.split(' ').filter(Boolean), accountId, acr, certificateThumbprint };
  } catch {
    throw new IdentityError('ERR_INVALID_TOKEN', 'the access token is not valid for this API');
  }
}

/**
 * `cnf["x5t#S256"]`, or undefined for an unbound token. A token bound to anything
 * else, or to more than a certificate (a DPoP key, `cnf.jkt`), is refused: treated as a bearer token it would let
 * a thief skip the proof it was bound to.
 */
function boundThumbprint(cnf: unknown): string | undefined {
  if (cnf === undefined) return undefined;
  if (typeof cnf !== 'object' || cnf === null || Object.keys(cnf).join() !== 'x5t#S256') {
    throw new Error('unsupported confirmation method');
  }
  const x5t = (cnf as Record<string, unknown>)['x5t#S256'];
  if (typeof x5t !== 'string' || x5t.length === 0) throw new Error('unsupported confirmation method');
  return x5t;
}

/** Verification keys from published JWKs; made once per key change, not per request. */
export { createLocalJWKSet as platformKeySet } from 'jose';
