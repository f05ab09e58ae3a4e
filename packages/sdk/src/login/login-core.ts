import * as oidc from 'openid-client';
import type { CookieCrypto } from '../session/cookie-crypto.ts';
import type { Sessions } from '../session/sessions.ts';
import { acrSatisfies, acrUrn, parseAcrLevel } from './acr.ts';
import { failure, json, readCookie, redirect, setCookie, type LoginRequest, type Reply } from './http.ts';
import { newAttempt, openAttempt } from './login-attempt.ts';
import type { LogoutTarget } from './logout-token.ts';
import { ATTEMPT_SECONDS, ROUTES, SESSION_SECONDS, type ResolvedOptions } from './options.ts';
import { safeReturnTo } from './return-to.ts';
import { isSameOrigin } from './same-origin.ts';
import type { AcrLevel, AppSession } from './types.ts';

export type Route = 'login' | 'callback' | 'logout' | 'backchannelLogout';

/** ID token claims that are protocol plumbing (or lifted into AppSession's own fields), not about the citizen. */
const PROTOCOL_CLAIMS = new Set([
  'iss',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'nonce',
  'azp',
  'at_hash',
  'c_hash',
  's_hash',
  'sub',
  'sid',
  'acr',
  'amr',
  'auth_time',
]);

/**
 * The framework-neutral login flow: the four routes, session lookup and the
 * guards. The Koa and Express adapters only translate requests and replies.
 */
export class LoginCore {
  readonly #options: ResolvedOptions;
  readonly #config: oidc.Configuration;
  readonly #crypto: CookieCrypto;
  readonly #sessions: Sessions;
  readonly #validateLogoutToken: (token: string) => Promise<LogoutTarget>;

  constructor(deps: {
    options: ResolvedOptions;
    config: oidc.Configuration;
    crypto: CookieCrypto;
    sessions: Sessions;
    validateLogoutToken: (token: string) => Promise<LogoutTarget>;
  }) {
    this.#options = deps.options;
    this.#config = deps.config;
    this.#crypto = deps.crypto;
    this.#sessions = deps.sessions;
    this.#validateLogoutToken = deps.validateLogoutToken;
  }

  /** Which of the SDK's routes a request is for, if any. */
  route(req: LoginRequest): Route | undefined {
    const path = pathOf(req.pathAndQuery);
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (read && path === ROUTES.login) return 'login';
    if (read && path === this.#options.redirectUri.pathname) return 'callback';
    if (req.method === 'POST' && path === ROUTES.logout) return 'logout';
    if (req.method === 'POST' && path === ROUTES.backchannelLogout) return 'backchannelLogout';
    return undefined;
  }

  async handle(req: LoginRequest, route: Route): Promise<Reply> {
    switch (route) {
      case 'login':
        return this.#login(req);
      case 'callback':
        return this.#callback(req);
      case 'logout':
        return this.#logout(req);
      case 'backchannelLogout':
        return this.#backchannelLogout(req);
    }
  }

  /** The request's session, if any (store sessions need I/O). */
  async session(req: LoginRequest): Promise<AppSession | undefined> {
    return this.#sessions.load(readCookie(req.header('cookie'), this.#options.sessionCookie));
  }

  /** The request's cookie session without I/O; undefined with a SessionStore. */
  sessionSync(req: LoginRequest): AppSession | undefined {
    return this.#sessions.loadSync(readCookie(req.header('cookie'), this.#options.sessionCookie));
  }

  /** undefined when `session` may pass; otherwise the reply that sends the browser to sign in (again). */
  guard(req: LoginRequest, session: AppSession | undefined, level?: AcrLevel): Reply | undefined {
    if (session !== undefined && (level === undefined || acrSatisfies(session.acr, level))) return undefined;
    if (req.method === 'GET' || req.method === 'HEAD') {
      const query = new URLSearchParams({ returnTo: safeReturnTo(req.pathAndQuery) });
      if (level !== undefined) query.set('acr', level);
      return redirect(`${ROUTES.login}?${query.toString()}`);
    }
    if (session === undefined) {
      return json(401, { error: 'login_required', error_description: 'sign in first' });
    }
    return json(401, {
      error: 'insufficient_user_authentication',
      error_description: 'a stronger sign-in is required',
      acr_values: acrUrn(level!),
    });
  }

  async #login(req: LoginRequest): Promise<Reply> {
    const params = new URL(req.pathAndQuery, 'http://app.invalid').searchParams;
    const acr = parseAcrLevel(params.get('acr') ?? undefined);
    const attempt = newAttempt(safeReturnTo(params.get('returnTo')), acr);
    const url = oidc.buildAuthorizationUrl(this.#config, {
      redirect_uri: this.#options.redirectUri.href,
      scope: this.#options.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(attempt.verifier),
      code_challenge_method: 'S256',
      state: attempt.state,
      nonce: attempt.nonce,
      // OneGate asks the citizen for a stronger method when the session is below this (no prompt=login needed).
      ...(acr === undefined ? {} : { acr_values: acrUrn(acr) }),
    });
    const value = this.#crypto.seal(this.#options.attemptCookie, attempt);
    return redirect(url.href, 302, [this.#cookie(this.#options.attemptCookie, value, ATTEMPT_SECONDS)]);
  }

  async #callback(req: LoginRequest): Promise<Reply> {
    const { attemptCookie, sessionCookie } = this.#options;
    // The attempt is used once: cleared whatever happens, so a replayed callback finds nothing.
    const clear = this.#cookie(attemptCookie, '', 0);
    const attempt = openAttempt(this.#crypto, attemptCookie, readCookie(req.header('cookie'), attemptCookie));
    if (attempt === undefined) {
      return failure(
        req,
        400,
        'invalid_request',
        'Sign-in could not be completed',
        'This sign-in has expired or was already used. Please sign in again.',
        [clear],
      );
    }
    // The token request's redirect_uri is taken from this URL: the registered one, not the Host header.
    const current = new URL(this.#options.redirectUri);
    current.search = new URL(req.pathAndQuery, 'http://app.invalid').search;
    let session: AppSession;
    try {
      session = await this.#exchange(current, attempt);
    } catch (err) {
      if (err instanceof oidc.AuthorizationResponseError && err.error === 'access_denied') {
        return failure(
          req,
          400,
          'access_denied',
          'Sign-in cancelled',
          'You did not sign in. You can try again at any time.',
          [clear],
        );
      }
      return failure(
        req,
        400,
        'invalid_request',
        'Sign-in could not be completed',
        'Something went wrong while signing you in. Please sign in again.',
        [clear],
      );
    }
    if (attempt.acr !== undefined && !acrSatisfies(session.acr, attempt.acr)) {
      return failure(
        req,
        400,
        'insufficient_user_authentication',
        'Stronger sign-in needed',
        'This page needs a stronger sign-in method than the one used. Please sign in again.',
        [clear],
      );
    }
    const previous = readCookie(req.header('cookie'), sessionCookie);
    await this.#sessions.destroy(previous);
    const value = await this.#sessions.create(session);
    return redirect(attempt.returnTo, 302, [clear, this.#cookie(sessionCookie, value, SESSION_SECONDS)]);
  }

  async #exchange(
    current: URL,
    attempt: { state: string; nonce: string; verifier: string },
  ): Promise<AppSession> {
    const tokens = await oidc.authorizationCodeGrant(this.#config, current, {
      pkceCodeVerifier: attempt.verifier,
      expectedState: attempt.state,
      expectedNonce: attempt.nonce,
    });
    const idClaims = tokens.claims()!;
    const claims: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(idClaims))
      if (!PROTOCOL_CLAIMS.has(name)) claims[name] = value;
    // OneGate's ID tokens carry sub, acr, amr, auth_time and sid; profile claims come from userinfo.
    if (tokens.access_token && this.#options.scopes.some((scope) => scope !== 'openid')) {
      const userinfo = await oidc.fetchUserInfo(this.#config, tokens.access_token, idClaims.sub);
      for (const [name, value] of Object.entries(userinfo))
        if (!PROTOCOL_CLAIMS.has(name)) claims[name] = value;
    }
    const amr = idClaims.amr;
    return {
      sub: idClaims.sub,
      ...(typeof idClaims['sid'] === 'string' ? { sid: idClaims['sid'] } : {}),
      ...(typeof idClaims.acr === 'string' ? { acr: idClaims.acr } : {}),
      ...(Array.isArray(amr) ? { amr: amr.filter((m): m is string => typeof m === 'string') } : {}),
      ...(typeof idClaims.auth_time === 'number' ? { authTime: idClaims.auth_time } : {}),
      claims,
      idToken: tokens.id_token!,
      ...(tokens.access_token ? { accessToken: tokens.access_token } : {}),
      expiresAt: Date.now() + SESSION_SECONDS * 1000,
    };
  }

  async #logout(req: LoginRequest): Promise<Reply> {
    if (!isSameOrigin(req, this.#options.appOrigin)) {
      return failure(
        req,
        403,
        'forbidden',
        'Sign-out refused',
        'The sign-out request did not come from this site.',
      );
    }
    const cookie = readCookie(req.header('cookie'), this.#options.sessionCookie);
    const session = await this.#sessions.load(cookie);
    await this.#sessions.destroy(cookie);
    // Always through OneGate: its session ends too, and it tells the citizen's other apps (back-channel).
    const params: Record<string, string> = { client_id: this.#options.clientId };
    if (session !== undefined) params['id_token_hint'] = session.idToken;
    if (this.#options.postLogoutRedirectUri !== undefined) {
      params['post_logout_redirect_uri'] = this.#options.postLogoutRedirectUri;
    }
    const url = oidc.buildEndSessionUrl(this.#config, params);
    return redirect(url.href, 303, [this.#cookie(this.#options.sessionCookie, '', 0)]);
  }

  async #backchannelLogout(req: LoginRequest): Promise<Reply> {
    // One answer for every failure, whatever the check: no oracle for forged tokens.
    const refused = json(400, {
      error: 'invalid_request',
      error_description: 'the logout token is not valid',
    });
    let target: LogoutTarget;
    try {
      const token = (await req.readForm()).get('logout_token');
      if (token === null) return refused;
      target = await this.#validateLogoutToken(token);
    } catch {
      return refused;
    }
    const { sub, sid, iat } = target;
    // A sub-only token ends the sessions begun by the end of its `iat` second (iat has second precision)
    // and before it arrived: a sign-in after it survives, so the browser is not sent round in a loop.
    await this.#sessions.logout(
      { ...(sub === undefined ? {} : { sub }), ...(sid === undefined ? {} : { sid }) },
      Math.min((iat + 1) * 1000, Date.now()),
    );
    return { status: 200, headers: { 'cache-control': 'no-store' }, cookies: [], body: '' };
  }

  #cookie(name: string, value: string, maxAge: number): string {
    return setCookie(name, value, { secure: this.#options.secure, maxAge });
  }
}

function pathOf(pathAndQuery: string): string {
  const q = pathAndQuery.indexOf('?');
  return q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
}
