import * as oidc from 'openid-client';
import type { CookieCrypto } from '../session/cookie-crypto.ts';
import { ATTEMPT_SECONDS } from './options.ts';
import type { AcrLevel } from './types.ts';
import { parseAcrLevel } from './acr.ts';

/**
 * One sign-in attempt, kept in the browser in an encrypted cookie between the
 * redirect to OneGate and the callback: what the callback must see again
 * (state, nonce), the PKCE verifier that only this browser holds, and where
 * to go afterwards.
 */
export interface LoginAttempt {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
  acr?: AcrLevel;
  expiresAt: number;
}

export function newAttempt(returnTo: string, acr: AcrLevel | undefined, now = Date.now()): LoginAttempt {
  return {
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    verifier: oidc.randomPKCECodeVerifier(),
    returnTo,
    ...(acr === undefined ? {} : { acr }),
    expiresAt: now + ATTEMPT_SECONDS * 1000,
  };
}

/** The attempt in a cookie value, if it opens, is well-formed and has not expired. */
export function openAttempt(
  crypto: CookieCrypto,
  purpose: string,
  cookie: string | undefined,
  now = Date.now(),
): LoginAttempt | undefined {
  if (cookie === undefined) return undefined;
  const value = crypto.open(purpose, cookie) as Partial<Record<keyof LoginAttempt, unknown>> | undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const { state, nonce, verifier, returnTo, acr, expiresAt } = value;
  if (typeof state !== 'string' || typeof nonce !== 'string' || typeof verifier !== 'string')
    return undefined;
  if (typeof returnTo !== 'string' || typeof expiresAt !== 'number' || expiresAt <= now) return undefined;
  const level = typeof acr === 'string' ? parseAcrLevel(acr) : undefined;
  return { state, nonce, verifier, returnTo, ...(level === undefined ? {} : { acr: level }), expiresAt };
}
