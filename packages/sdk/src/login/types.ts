import type { Context, Middleware } from 'koa';
import type { Request, RequestHandler } from 'express';
import type { SessionStore } from '../session/session-store.ts';

/** Assurance levels, lowest first; OneGate sends them as `urn:onegate:acr:<level>`. */
export type AcrLevel = 'low' | 'substantial' | 'high';

/** How an app signs citizens in with OneGate. */
export interface LoginOptions {
  /** OneGate's issuer URL, e.g. `https://id.gov.example`. */
  issuer: string | URL;
  /** The app's client id. */
  clientId: string;
  /** The client secret of a confidential app; public apps use PKCE only. */
  clientSecret?: string;
  /** The registered callback, e.g. `http://localhost:4001/auth/callback`; its path is where the SDK answers. */
  redirectUri: string;
  /** A registered post-logout redirect URI; OneGate sends the browser there after logout. */
  postLogoutRedirectUri?: string;
  /** Scopes asked for; default `['openid', 'profile']` (`openid` is always added). */
  scopes?: string[];
  /** At least 32 characters each; the first encrypts, all decrypt (rotation). */
  cookieSecret: string | string[];
  /**
   * Session cookie name; default `onegate_session_` and 8 hex digits of SHA-256 of the client id,
   * so two apps on one host never share it (`__Host-` in front with secure cookies).
   */
  cookieName?: string;
  /** Default: true when `redirectUri` is https. */
  secureCookies?: boolean;
  /**
   * Default: the session lives in the encrypted cookie, and back-channel logout ends it through a list kept
   * in this process. An app on several instances needs a shared store, so a logout reaches all of them.
   */
  sessionStore?: SessionStore;
  /** Custom fetch (custom CA, mTLS), used for every call to OneGate. */
  fetch?: typeof fetch;
  /** Development only: lets the SDK talk to an http:// issuer. */
  allowInsecureHttp?: boolean;
}

/** The signed-in citizen, as the app sees them. */
export interface AppSession {
  /** Subject: pairwise per app unless the app is registered with a public subject. */
  sub: string;
  /** OneGate's session id, matched by back-channel logout. */
  sid?: string;
  /** Assurance level, e.g. `urn:onegate:acr:substantial`. */
  acr?: string;
  /** Authentication methods, e.g. `['pwd', 'otp', 'mfa']`. */
  amr?: string[];
  /** When the citizen authenticated (seconds since the epoch). */
  authTime?: number;
  /** The citizen's other claims, from the ID token and userinfo (`name`, `preferred_username`, …). */
  claims: Record<string, unknown>;
  /** The ID token, sent back as `id_token_hint` at logout. */
  idToken: string;
  /** The access token for OneGate's userinfo endpoint, if one was issued. */
  accessToken?: string;
  /** When the app's session ends (milliseconds since the epoch): 8 hours after sign-in. */
  expiresAt: number;
}

/** Login middleware for Koa. */
export interface KoaLogin {
  /**
   * Mount first (`app.use(login.koa.routes())`). Answers `GET /auth/login[?returnTo=/path]`,
   * `GET <redirectUri's path>`, `POST /auth/logout` (only from the app's own pages: `Sec-Fetch-Site:
   * same-origin`, or without it `Origin` equal to redirectUri's origin; else 403) and `POST
   * /auth/backchannel-logout`, reading their bodies itself (no body parser needed); on other requests
   * loads the session for `session(ctx)` and calls `next`.
   */
  routes(): Middleware;
  /** No session: redirect to login (GET/HEAD) or 401 JSON. Sets `ctx.state.session`. */
  requireLogin(): Middleware;
  /** Like requireLogin, and steps up (login with `acr_values`) when the session's level is below `level`. */
  requireAcr(level: AcrLevel): Middleware;
  /**
   * The current session, loaded by `routes()` or a guard for this request (cookie sessions are also read
   * on the spot). A session ended by back-channel logout is gone from the next request on.
   */
  session(ctx: Context): AppSession | undefined;
}

/** Login middleware for Express. */
export interface ExpressLogin {
  /** Mount first (`app.use(login.express.routes())`): the same routes and rules as the Koa adapter's. */
  routes(): RequestHandler;
  /** No session: redirect to login (GET/HEAD) or 401 JSON. */
  requireLogin(): RequestHandler;
  /** Like requireLogin, and steps up when the session's level is below `level`. */
  requireAcr(level: AcrLevel): RequestHandler;
  /** The current session, as the Koa adapter's `session`. */
  session(req: Request): AppSession | undefined;
}

/** What `createLogin` returns. */
export interface Login {
  /** Koa middleware. */
  koa: KoaLogin;
  /** Express middleware. */
  express: ExpressLogin;
  /**
   * Validates a back-channel logout token (OIDC Back-Channel Logout 1.0 §2.6).
   * For tests and custom servers; `routes()` calls it for you.
   * @throws OneGateError `ERR_LOGOUT_TOKEN_INVALID`, whatever the reason.
   */
  validateLogoutToken(token: string): Promise<{ sub?: string; sid?: string }>;
}
