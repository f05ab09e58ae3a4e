import { createRemoteJWKSet, customFetch, jwtVerify, type JWTPayload } from 'jose';
import { OneGateError } from '../errors.ts';
import { ReplayCache } from './replay-cache.ts';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** A logout token is sent the moment OneGate ends a session: older ones are refused (with this skew). */
const MAX_AGE_SECONDS = 300;
const CLOCK_TOLERANCE_SECONDS = 30;

export interface LogoutTokenCheck {
  issuer: string;
  clientId: string;
  jwksUri: URL;
  /** The issuer's `id_token_signing_alg_values_supported`; `none` and HMAC are never accepted. */
  algorithms: string[];
  fetch: typeof fetch | undefined;
}

/** What a valid logout token names, and when it was issued (seconds). */
export interface LogoutTarget {
  sub?: string;
  sid?: string;
  iat: number;
}

/**
 * A validator of back-channel logout tokens, OIDC Back-Channel Logout 1.0
 * §2.6. Every failure is the same `ERR_LOGOUT_TOKEN_INVALID` with one fixed
 * message: the sender learns nothing about which check failed.
 */
export function logoutTokenValidator(check: LogoutTokenCheck): (token: string) => Promise<LogoutTarget> {
  const algorithms = check.algorithms.filter((alg) => alg !== 'none' && !alg.startsWith('HS'));
  const custom = check.fetch;
  const jwks = createRemoteJWKSet(check.jwksUri, custom === undefined ? {} : { [customFetch]: custom });
  const replays = new ReplayCache();

  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await verify(token));
    } catch (cause) {
      throw invalid(cause);
    }
    const target = claimsOf(payload);
    if (target === undefined) throw invalid();
    const jti = payload.jti!;
    const until = (target.iat + MAX_AGE_SECONDS + CLOCK_TOLERANCE_SECONDS) * 1000;
    if (!replays.remember(jti, Math.max(until, (payload.exp ?? 0) * 1000))) throw invalid();
    return target;
  };

  async function verify(token: string) {
    if (typeof token !== 'string' || token.length > 8192) throw new Error('not a token');
    const result = await jwtVerify(token, jwks, {
      issuer: check.issuer,
      audience: check.clientId,
      algorithms,
      requiredClaims: ['iat', 'jti', 'events'],
      maxTokenAge: MAX_AGE_SECONDS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    });
    // §2.6 step 2 via RFC 8725: explicit typing is optional, but a typed token must be a logout token.
    const typ = result.protectedHeader.typ;
    if (
      typ !== undefined &&
      typ.toLowerCase() !== 'logout+jwt' &&
      typ.toLowerCase() !== 'application/logout+jwt'
    ) {
      throw new Error('wrong typ');
    }
    return result;
  }
}

/** §2.4/§2.6 claim rules after the signature: events member, sub and/or sid, no nonce. */
function claimsOf(payload: JWTPayload): LogoutTarget | undefined {
  const { events, sub, nonce, jti, iat } = payload as JWTPayload & {
    events?: unknown;
    sid?: unknown;
    nonce?: unknown;
  };
  const sid = (payload as { sid?: unknown }).sid;
  if (nonce !== undefined) return undefined;
  if (typeof jti !== 'string' || jti === '' || typeof iat !== 'number') return undefined;
  if (!isObject(events) || !isObject(events[EVENT])) return undefined;
  if (sub !== undefined && (typeof sub !== 'string' || sub === '')) return undefined;
  if (sid !== undefined && (typeof sid !== 'string' || sid === '')) return undefined;
  if (sub === undefined && sid === undefined) return undefined;
  return {
    iat,
    ...(sub === undefined ? {} : { sub }),
    ...(typeof sid === 'string' ? { sid } : {}),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(cause?: unknown): OneGateError {
  return new OneGateError('ERR_LOGOUT_TOKEN_INVALID', 'the logout token is not valid', { cause });
}
