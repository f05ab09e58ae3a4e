import * as oidc from 'openid-client';
import { OneGateError } from '../errors.ts';
import { expressLogin } from '../express.ts';
import { koaLogin } from '../koa.ts';
import { CookieCrypto } from '../session/cookie-crypto.ts';
import { Revocations } from '../session/revocations.ts';
import { Sessions } from '../session/sessions.ts';
import { LoginCore } from './login-core.ts';
import { logoutTokenValidator } from './logout-token.ts';
import { resolveOptions, SESSION_SECONDS } from './options.ts';
import type { Login, LoginOptions } from './types.ts';

/**
 * Discovers OneGate once and returns login middleware for Koa and Express:
 * authorization code flow with PKCE, encrypted sessions, step-up, RP-initiated
 * and back-channel logout.
 *
 * @example
 * ```ts
 * const login = await createLogin({
 *   issuer: 'https://id.gov.example',
 *   clientId: process.env.CLIENT_ID!,
 *   clientSecret: process.env.CLIENT_SECRET,
 *   redirectUri: 'https://tax.gov.example/auth/callback',
 *   postLogoutRedirectUri: 'https://tax.gov.example/',
 *   cookieSecret: process.env.COOKIE_SECRET!,
 * });
 * app.use(login.koa.routes());
 * router.get('/returns', login.koa.requireLogin(), (ctx) => { ctx.body = login.koa.session(ctx)!.sub; });
 * ```
 *
 * Back-channel logout ends cookie sessions through a revocation list kept in
 * this process: an app running on several instances must pass a shared
 * `sessionStore`, or a logout received by one instance misses the others.
 *
 * @throws OneGateError `ERR_LOGIN_CONFIG` for bad options, `ERR_LOGIN_DISCOVERY` when OneGate cannot be discovered.
 */
export async function createLogin(options: LoginOptions): Promise<Login> {
  const resolved = resolveOptions(options);
  const custom = resolved.fetch;
  let config: oidc.Configuration;
  try {
    config = await oidc.discovery(
      resolved.issuer,
      resolved.clientId,
      undefined,
      // OneGate registers apps with client_secret_basic, or none (PKCE only) for public apps.
      resolved.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(resolved.clientSecret),
      {
        // The ID token's signature is checked against OneGate's JWKS too, not only trusted for
        // arriving over TLS from the token endpoint (ASVS 6.8.2).
        execute: resolved.allowInsecureHttp
          ? [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks]
          : [oidc.enableNonRepudiationChecks],
        ...(custom === undefined
          ? {}
          : { [oidc.customFetch]: (url: string, init: RequestInit) => custom(url, init) }),
      },
    );
  } catch (cause) {
    throw new OneGateError('ERR_LOGIN_DISCOVERY', 'OneGate could not be discovered at the issuer URL', {
      cause,
    });
  }
  const metadata = config.serverMetadata();
  if (metadata.jwks_uri === undefined || metadata.end_session_endpoint === undefined) {
    throw new OneGateError(
      'ERR_LOGIN_DISCOVERY',
      'the issuer does not offer jwks_uri and end_session_endpoint',
    );
  }
  const crypto = new CookieCrypto(resolved.secrets);
  const sessions = new Sessions({
    crypto,
    store: resolved.sessionStore,
    revocations: new Revocations({ keepMs: SESSION_SECONDS * 1000 }),
    cookieName: resolved.sessionCookie,
  });
  const validate = logoutTokenValidator({
    issuer: metadata.issuer,
    clientId: resolved.clientId,
    jwksUri: new URL(metadata.jwks_uri),
    algorithms: metadata.id_token_signing_alg_values_supported ?? ['ES256'],
    fetch: custom,
  });
  const core = new LoginCore({ options: resolved, config, crypto, sessions, validateLogoutToken: validate });
  return {
    koa: koaLogin(core),
    express: expressLogin(core),
    async validateLogoutToken(token) {
      const { sub, sid } = await validate(token);
      return { ...(sub === undefined ? {} : { sub }), ...(sid === undefined ? {} : { sid }) };
    },
  };
}
