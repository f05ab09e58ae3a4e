import type { SigningAlg } from '../keys/signing-algorithms.ts';
import { createHmac, type KeyObject } from 'node:crypto';
import Provider, {
  type Adapter,
  type Configuration,
  type FindAccount,
  type JWK,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { OIDC_SCOPES, PLATFORM_SCOPES } from '../clients/scopes.ts';
import { ACR_VALUES } from './acr.ts';
import { remainingSeconds } from './lifetimes.ts';
import { mtlsFeature } from './mtls.ts';
import { outboundFetch } from './outbound-fetch.ts';
import { resourceIndicators } from './platform-resource.ts';
import { onegateInteractionPolicy } from './step-up.ts';

export interface ProviderSettings {
  issuer: string;
  /** Signing algorithms with a key; RS256 ID tokens are offered only when it is one (ASVS 11.3.1). */
  signingAlgs?: readonly SigningAlg[] | undefined;
  /** Idle timeout of the single sign-on session. */
  sessionIdleSeconds: number;
  /** Absolute maximum of a session from sign-in, however active (ASVS 7.3.2). */
  sessionMaxSeconds: number;
  /** Absolute lifetime of a refresh-token chain from its first issue, however often rotated (ASVS 10.4.8). */
  refreshTokenMaxSeconds: number;
  /** Hosts that back-channel logout may reach although they resolve to private addresses. */
  outboundAllowedHosts: readonly string[];
  development: boolean;
}

export interface ProviderDeps {
  settings: ProviderSettings;
  adapter: new (model: string) => Adapter;
  signingKeys: JWK[];
  cookieKeys: string[];
  pairwiseKey: KeyObject;
  findAccount: FindAccount;
  loadExistingGrant: NonNullable<Configuration['loadExistingGrant']>;
  /** Built-in clients (the account page); registered apps come from the client registry. */
  staticClients: NonNullable<Configuration['clients']>;
  renderError: NonNullable<Configuration['renderError']>;
  logoutSource: (ctx: KoaContextWithOIDC, form: string) => void | Promise<void>;
  postLogoutSuccessSource: (ctx: KoaContextWithOIDC) => void | Promise<void>;
}

export const ACCESS_TOKEN_TTL_SECONDS = 600;

/**
 * The claims each scope releases; the claims parameter is held to these too
 * (interaction-steps.ts). `acr`, `amr` and `auth_time` ride on `openid` so
 * every ID token carries them.
 */
export const CLAIMS_BY_SCOPE: Readonly<Record<string, readonly string[]>> = {
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['name', 'preferred_username'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  identity_assurance: ['identity_assurance'],
  departments: ['departments'],
};

export function createProvider(deps: ProviderDeps): Provider {
  const { settings } = deps;
  const secure = settings.issuer.startsWith('https://');
  // OIDC Core 3.1.2.1: the authorization endpoint takes POST too. A cross-site form post carries the
  // session cookie only with SameSite=None, which browsers accept only with Secure, so POST support
  // (and SameSite=None on the session cookie) is on exactly when the issuer is https.
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure, signed: true };
  const sessionCookie = { ...cookie, sameSite: secure ? ('none' as const) : ('lax' as const) };
  const configuration: Configuration = {
    adapter: deps.adapter,
    findAccount: deps.findAccount,
    loadExistingGrant: deps.loadExistingGrant,
    clients: deps.staticClients,
    jwks: { keys: deps.signingKeys },
    claims: CLAIMS_BY_SCOPE,
    acrValues: [...ACR_VALUES],
    // Platform scopes are listed too: client metadata may only name scopes the server knows.
    scopes: [...OIDC_SCOPES, ...PLATFORM_SCOPES],
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: (_ctx, accountId, client) =>
      // Per app, not per host: two departments' apps on one host still get unlinkable subjects.
      createHmac('sha256', deps.pairwiseKey).update(`${client.clientId}\0${accountId}`).digest('base64url'),
    cookies: {
      keys: deps.cookieKeys,
      // __Host- needs Secure and Path=/, so only the session cookie can have it: the interaction and
      // resume cookies are scoped to /interaction/<uid> and /auth/<uid>, and a browser drops a __Host-
      // cookie with such a path. Over plain-HTTP development the browser would drop either prefix.
      names: secure
        ? {
            session: '__Host-og_session',
            interaction: '__Secure-og_interaction',
            resume: '__Secure-og_resume',
          }
        : { session: 'og_session', interaction: 'og_interaction', resume: 'og_resume' },
      long: sessionCookie,
      short: cookie,
    },
    // Authorization code only: no implicit or hybrid tokens in the front channel.
    responseTypes: ['code'],
    pkce: { required: () => true },
    enableHttpPostMethods: secure,
    enabledJWA: {
      idTokenSigningAlgValues: settings.signingAlgs?.includes('RS256')
        ? ['ES256', 'EdDSA', 'RS256']
        : ['ES256', 'EdDSA'],
      userinfoSigningAlgValues: ['ES256', 'EdDSA'],
      introspectionSigningAlgValues: ['ES256'],
      authorizationSigningAlgValues: ['ES256'],
      requestObjectSigningAlgValues: ['ES256', 'EdDSA', 'PS256'],
      clientAuthSigningAlgValues: ['ES256', 'EdDSA', 'PS256'],
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: deps.logoutSource,
        postLogoutSuccessSource: deps.postLogoutSuccessSource,
      },
      resourceIndicators: resourceIndicators(settings.issuer),
      // RFC 8705: service clients may authenticate with their TLS certificate, and tokens of
      // clients registered so are bound to it (cnf.x5t#S256). The certificate is what the
      // server verified on the connection (client-certificate.ts), never a request header.
      mTLS: mtlsFeature(),
    },
    // oidc-provider's defaults plus RFC 8705's two methods (off unless listed here).
    clientAuthMethods: [
      'client_secret_basic',
      'client_secret_jwt',
      'client_secret_post',
      'private_key_jwt',
      'none',
      'tls_client_auth',
      'self_signed_tls_client_auth',
    ],
    extraClientMetadata: { properties: ['urn:onegate:department', 'urn:onegate:first_party'] },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: onegateInteractionPolicy(),
    },
    rotateRefreshToken: true,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 60,
      ClientCredentials: ACCESS_TOKEN_TTL_SECONDS,
      IdToken: 600,
      Interaction: 600,
      // A grant is the remembered consent; refresh tokens and sessions have their own, shorter limits.
      Grant: 365 * 86_400,
      Session: (_ctx, session) =>
        remainingSeconds(session.loginTs, settings.sessionMaxSeconds, settings.sessionIdleSeconds),
      // iiat is the first issue of a rotated chain, so rotation never extends the chain's life.
      RefreshToken: (_ctx, token) =>
        remainingSeconds((token as { iiat?: number }).iiat ?? token.iat, settings.refreshTokenMaxSeconds),
    },
    fetch: outboundFetch({
      allowedHosts: settings.outboundAllowedHosts,
      allowLoopback: settings.development,
    }),
    renderError: deps.renderError,
    // Errors reach the browser as our page; details stay in our logs.
    conformIdTokenClaims: true,
  };
  const provider = new Provider(settings.issuer, configuration);
  onlyIdTokensAsHints(provider);
  return provider;
}

/**
 * oidc-provider takes as `id_token_hint` any JWT it signed for the client, a
 * logout token (`typ: logout+jwt`) included. A token serves only its own
 * purpose (ASVS 9.2.2): a hint whose header names another type is refused,
 * as an invalid hint is (`invalid_request`).
 */
function onlyIdTokensAsHints(provider: Provider): void {
  const validate = provider.IdToken.validate.bind(provider.IdToken);
  provider.IdToken.validate = async (jwt, client) => {
    const header = JSON.parse(Buffer.from(String(jwt).split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      typ?: unknown;
    };
    if (header.typ !== undefined && (typeof header.typ !== 'string' || header.typ.toLowerCase() !== 'jwt')) {
      throw new Error('the hint is a token of another type, not an ID token');
    }
    return validate(jwt, client);
  };
}
