import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { ACR, acrLevel } from '../provider/acr.ts';
import { CONSOLE_CLIENT_ID, CONSOLE_PATH } from './console-client.ts';

/** Who is signed in to this browser's OneGate session, as the console needs to know it. */
export interface ConsoleSignIn {
  accountId: string;
  /** The session's assurance level (`urn:onegate:acr:…`), absent for a session without one. */
  acr: string | undefined;
  amr: string[];
  /** Seconds since the epoch of the last sign-in. */
  authTime: number | undefined;
  /** True when `acr` is substantial or high: the console's minimum (ASVS 6.3.3, 6.8.4). */
  substantial: boolean;
  /** Binds the console's anti-forgery tokens to this session; never shown in a page or URL. */
  sessionUid: string;
}

/** The OneGate session of this request's browser, or nothing when nobody is signed in. */
export async function consoleSignIn(provider: Provider, ctx: Context): Promise<ConsoleSignIn | undefined> {
  const session = await provider.Session.get(ctx);
  if (!session.accountId) return undefined;
  const acr = typeof session.acr === 'string' ? session.acr : undefined;
  return {
    accountId: session.accountId,
    acr,
    amr: session.amr ?? [],
    authTime: session.loginTs,
    substantial: acrLevel(acr) >= acrLevel(ACR.substantial),
    sessionUid: session.uid,
  };
}

/**
 * An authorization request of the console client asking for substantial
 * assurance: a signed-out officer signs in, a session below it steps up.
 * `returnTo` (a console path) rides in `state` and is checked again on return.
 */
export function consoleSignInUrl(issuer: string, returnTo: string): string {
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  const params = new URLSearchParams({
    client_id: CONSOLE_CLIENT_ID,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: `${issuer}${CONSOLE_PATH}/callback`,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    acr_values: ACR.substantial,
    state: `${randomBytes(12).toString('base64url')}.${Buffer.from(consolePath(returnTo)).toString('base64url')}`,
  });
  return `/auth?${params.toString()}`;
}

/** Where to go after signing in: the console path carried in `state`, else the console's start. */
export function consoleReturnPath(state: unknown): string {
  if (typeof state !== 'string') return CONSOLE_PATH;
  const encoded = state.split('.')[1];
  if (encoded === undefined || !/^[A-Za-z0-9_-]{1,2048}$/.test(encoded)) return CONSOLE_PATH;
  return consolePath(Buffer.from(encoded, 'base64url').toString('utf8'));
}

/** The logout link: ends the OneGate session, then back to the console (which asks to sign in). */
export function consoleSignOutUrl(issuer: string): string {
  const params = new URLSearchParams({
    client_id: CONSOLE_CLIENT_ID,
    post_logout_redirect_uri: `${issuer}${CONSOLE_PATH}`,
  });
  return `/session/end?${params.toString()}`;
}

/**
 * Only a path under `/console` is ever a destination (ASVS 3.7.2): anything
 * else, a `//host` or `/console/../x` included, becomes `/console`.
 */
export function consolePath(path: string): string {
  const ok =
    (path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`) || path.startsWith(`${CONSOLE_PATH}?`)) &&
    !/[\\\s]|\/\.\.?(\/|$|\?)|%2e|%2f|%5c/i.test(path);
  return ok ? path : CONSOLE_PATH;
}
