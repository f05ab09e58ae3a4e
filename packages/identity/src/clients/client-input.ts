import { IdentityError } from '../errors.ts';
import { outboundTargetProblem, type OutboundPolicy } from '../provider/outbound-target.ts';
import { checkCertificateBinding, type CertificateBinding } from './client-tls.ts';
import { DEFAULT_APP_SCOPES, isOidcScope, isPlatformScope } from './scopes.ts';

/** How a confidential client authenticates at the token endpoint. */
export type ClientAuthMethod = 'client_secret_basic' | 'tls_client_auth' | 'self_signed_tls_client_auth';

/** What an app team gives when registering an app (CLI flags or admin API body). */
export interface ClientInput {
  name: string;
  redirectUris?: string[] | undefined;
  postLogoutRedirectUris?: string[] | undefined;
  backchannelLogoutUri?: string | undefined;
  /** A browser or mobile app that cannot keep a secret: PKCE only, no client secret. */
  public?: boolean | undefined;
  scopes?: string[] | undefined;
  department?: string | undefined;
  /** Government's own app: no consent screen. Apps are third-party (consent asked) unless marked. */
  firstParty?: boolean | undefined;
  /** Receives the account id as `sub` instead of a pairwise one (linkable across apps). */
  publicSubject?: boolean | undefined;
  /** Old clients that can only verify RS256 ID tokens (ASVS 5.0 disallows it otherwise). */
  legacyRs256?: boolean | undefined;
  /**
   * Token endpoint authentication of a service client (RFC 8705 for the TLS ones);
   * default client_secret_basic. Sign-in apps always use a secret or, public, none.
   */
  auth?: ClientAuthMethod | undefined;
  /** tls_client_auth: the certificate subject DN, RFC 4514 (`CN=og_abc,O=OneGate service clients`). */
  certSubject?: string | undefined;
  /** tls_client_auth: a subjectAltName URI of the certificate (`urn:onegate:client:og_abc`). */
  certSanUri?: string | undefined;
  /** tls_client_auth: a subjectAltName DNS name of the certificate. */
  certSanDns?: string | undefined;
  /** tls_client_auth: a subjectAltName e-mail address of the certificate. */
  certSanEmail?: string | undefined;
  /** tls_client_auth: a subjectAltName IP address of the certificate. */
  certSanIp?: string | undefined;
  /** self_signed_tls_client_auth: the client's own certificate, PEM. */
  certificatePem?: string | undefined;
}

/** A sign-in app (code flow) or a back-end service (client credentials for /api/v1). */
export type ClientKind = 'app' | 'service';

export interface ValidatedClient {
  kind: ClientKind;
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | undefined;
  public: boolean;
  scopes: string[];
  department: string | undefined;
  firstParty: boolean;
  publicSubject: boolean;
  legacyRs256: boolean;
  /** `none` for a public app. Rows stored before TLS methods existed have none: read as a secret. */
  auth: ClientAuthMethod | 'none';
  /** What the client's certificate must show (TLS methods only). */
  certificate?: CertificateBinding | undefined;
}

const DEPARTMENT = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Scopes whose APIs act on every department at once. */
const PLATFORM_WIDE_SCOPES: ReadonlySet<string> = new Set(['authz:admin', 'admin']);

/**
 * Checks registration input; `allowLoopbackHttp` admits http://localhost URIs (development only).
 * `clientId`, once known, is what a tls_client_auth certificate names when no subject is given.
 * `outboundAllowedHosts`: hosts on private networks the server may send back-channel logouts to.
 */
export function validateClientInput(
  input: ClientInput,
  allowLoopbackHttp: boolean,
  clientId?: string,
  outboundAllowedHosts: readonly string[] = [],
): ValidatedClient {
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100) invalid('name must be 1 to 100 characters');
  const redirectUris = (input.redirectUris ?? []).map((u) => checkUri(u, 'redirect URI', allowLoopbackHttp));
  const scopes = input.scopes?.length ? [...new Set(input.scopes)] : undefined;
  const kind: ClientKind =
    redirectUris.length === 0 && scopes !== undefined && scopes.every(isPlatformScope) ? 'service' : 'app';
  if (kind === 'app') {
    if (redirectUris.length === 0) {
      invalid('a sign-in app needs at least one redirect URI; a service client takes only platform scopes');
    }
    const unknown = (scopes ?? []).filter((s) => !isOidcScope(s));
    if (unknown.length > 0) invalid(`unknown or mixed scopes for a sign-in app: ${unknown.join(' ')}`);
  } else if (input.public) {
    invalid('a service client must be confidential');
  }
  const department = input.department?.trim();
  if (department !== undefined && !DEPARTMENT.test(department)) {
    invalid('department must be a short lower-case id such as social-security');
  }
  const platformWide = (scopes ?? []).filter((s) => PLATFORM_WIDE_SCOPES.has(s));
  if (department !== undefined && platformWide.length > 0) {
    // The admin APIs take the token's scope, not its department: a department's client holding them
    // could change every other department (ASVS 8.4.1). Department administrators use the console,
    // which keeps each to their own departments.
    invalid(
      `${platformWide.join(' and ')} change the whole platform: a client registered for a department cannot hold them`,
    );
  }
  const appScopes = scopes ?? DEFAULT_APP_SCOPES;
  const auth = input.auth ?? 'client_secret_basic';
  const tls = checkCertificateBinding(input, auth, clientId);
  if (tls !== undefined && kind !== 'service') {
    invalid('only a service client can authenticate with a TLS certificate; a sign-in app uses a secret');
  }
  return {
    kind,
    name,
    redirectUris,
    postLogoutRedirectUris: (input.postLogoutRedirectUris ?? []).map((u) =>
      checkUri(u, 'post-logout redirect URI', allowLoopbackHttp),
    ),
    backchannelLogoutUri:
      input.backchannelLogoutUri === undefined
        ? undefined
        : checkFetchedUri(input.backchannelLogoutUri, 'back-channel logout URI', {
            allowLoopback: allowLoopbackHttp,
            allowedHosts: outboundAllowedHosts,
          }),
    public: input.public === true,
    scopes:
      kind === 'service'
        ? (scopes ?? [])
        : appScopes.includes('openid')
          ? appScopes
          : ['openid', ...appScopes],
    department,
    firstParty: input.firstParty === true,
    publicSubject: input.publicSubject === true,
    legacyRs256: input.legacyRs256 === true,
    auth: input.public === true ? 'none' : auth,
    ...(tls === undefined ? {} : { certificate: tls }),
  };
}

/** A stored registration, including one from before auth methods were recorded. */
export function storedClient(metadata: string): ValidatedClient {
  const client = JSON.parse(metadata) as Partial<ValidatedClient> & Omit<ValidatedClient, 'auth'>;
  return { ...client, auth: client.auth ?? (client.public ? 'none' : 'client_secret_basic') };
}

function checkUri(value: string, what: string, allowLoopbackHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return invalid(`${what} is not an absolute URL`);
  }
  // `new URL('…/cb#').hash` is empty, so look at the text too.
  if (url.hash || value.includes('#')) invalid(`${what} must not have a fragment`);
  if (url.username || url.password) invalid(`${what} must not carry credentials`);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback && allowLoopbackHttp)) {
    invalid(`${what} must use https (http only for localhost in development)`);
  }
  // Stored exactly as given: redirect URIs are matched exactly, character by character.
  return value;
}

/**
 * A URI the server itself sends requests to: held to what the outbound fetch
 * allows (ASVS 1.3.6), so an app cannot point OneGate at the cloud metadata
 * service or another internal address. Browser redirects are not such URIs.
 */
function checkFetchedUri(value: string, what: string, policy: OutboundPolicy): string {
  checkUri(value, what, policy.allowLoopback);
  const problem = outboundTargetProblem(new URL(value), policy);
  return problem === undefined ? value : invalid(`${what} ${problem}`);
}

function invalid(message: string): never {
  throw new IdentityError('ERR_CLIENT_INVALID', message);
}
