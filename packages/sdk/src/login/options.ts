import { createHash } from 'node:crypto';
import { OneGateError } from '../errors.ts';
import type { SessionStore } from '../session/session-store.ts';
import type { LoginOptions } from './types.ts';

/** The SDK's own routes; the callback's path comes from `redirectUri`. */
export const ROUTES = {
  login: '/auth/login',
  logout: '/auth/logout',
  backchannelLogout: '/auth/backchannel-logout',
} as const;

/**
 * How long an app session lasts from sign-in: a working day. Not the ID
 * token's `exp` (OneGate issues ID tokens for 10 minutes: that is how long the
 * token may be accepted, not how long the citizen stays signed in). OneGate's
 * own session ends after 12 hours at most, and a sign-out anywhere ends the
 * app session sooner through back-channel logout.
 */
export const SESSION_SECONDS = 8 * 3600;

/** A sign-in attempt (login cookie) must come back within this. */
export const ATTEMPT_SECONDS = 600;

export interface ResolvedOptions {
  issuer: URL;
  clientId: string;
  clientSecret: string | undefined;
  redirectUri: URL;
  /** scheme://host[:port] of the app, from `redirectUri`: what `Origin` must say on logout. */
  appOrigin: string;
  postLogoutRedirectUri: string | undefined;
  scopes: string[];
  secrets: string[];
  secure: boolean;
  sessionCookie: string;
  attemptCookie: string;
  sessionStore: SessionStore | undefined;
  fetch: typeof fetch | undefined;
  allowInsecureHttp: boolean;
}

/** Checks the options once, at start; a mistake is an ERR_LOGIN_CONFIG naming the option. */
export function resolveOptions(options: LoginOptions): ResolvedOptions {
  const issuer = url(options.issuer, 'issuer');
  const redirectUri = url(options.redirectUri, 'redirectUri');
  if (!options.clientId) invalid('clientId is required');
  const secrets =
    typeof options.cookieSecret === 'string' ? [options.cookieSecret] : [...options.cookieSecret];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length < 32)) {
    invalid('cookieSecret must be one or more secrets of at least 32 characters');
  }
  if (!options.allowInsecureHttp && issuer.protocol !== 'https:') {
    invalid('issuer must be https (allowInsecureHttp is for development only)');
  }
  if (
    !options.allowInsecureHttp &&
    redirectUri.protocol !== 'https:' &&
    !LOOPBACK.has(redirectUri.hostname)
  ) {
    invalid('redirectUri must be https, or http on localhost (allowInsecureHttp is for development only)');
  }
  if (options.postLogoutRedirectUri !== undefined)
    url(options.postLogoutRedirectUri, 'postLogoutRedirectUri');
  const secure = options.secureCookies ?? redirectUri.protocol === 'https:';
  // Browsers share cookies across the ports of one host: two apps there must not share a name.
  const name =
    options.cookieName ??
    `onegate_session_${createHash('sha256').update(options.clientId).digest('hex').slice(0, 8)}`;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) invalid('cookieName must be letters, digits, _ or - (at most 64)');
  // __Host-: only this origin over https, path / — no subdomain or http page can plant or read it.
  const prefix = secure ? '__Host-' : '';
  const scopes = [...new Set(['openid', ...(options.scopes ?? ['openid', 'profile'])])];
  return {
    issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    redirectUri,
    appOrigin: redirectUri.origin,
    postLogoutRedirectUri: options.postLogoutRedirectUri,
    scopes,
    secrets,
    secure,
    sessionCookie: `${prefix}${name}`,
    attemptCookie: `${prefix}${name}_login`,
    sessionStore: options.sessionStore,
    fetch: options.fetch,
    allowInsecureHttp: options.allowInsecureHttp === true,
  };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function url(value: string | URL, name: string): URL {
  try {
    const parsed = new URL(value);
    if (parsed.protocol === 'https:' || parsed.protocol === 'http:') return parsed;
  } catch {
    // reported below
  }
  return invalid(`${name} must be an http(s) URL`);
}

function invalid(message: string): never {
  throw new OneGateError('ERR_LOGIN_CONFIG', message);
}
