import { createHash, X509Certificate } from 'node:crypto';
import { IdentityError } from '../errors.ts';
import { canonicalIp, parseDistinguishedName } from '../provider/certificate-names.ts';

/** The registration fields of RFC 8705 client authentication, as `ClientInput` names them. */
export interface TlsAuthInput {
  auth?: string | undefined;
  certSubject?: string | undefined;
  certSanUri?: string | undefined;
  certSanDns?: string | undefined;
  certSanEmail?: string | undefined;
  certSanIp?: string | undefined;
  certificatePem?: string | undefined;
}

/** RFC 8705 §2.1.2 client metadata naming which certificate value identifies the client. */
export type TlsSubjectField =
  | 'tls_client_auth_subject_dn'
  | 'tls_client_auth_san_uri'
  | 'tls_client_auth_san_dns'
  | 'tls_client_auth_san_email'
  | 'tls_client_auth_san_ip';

/** What a TLS-authenticated client's certificate must show. */
export type CertificateBinding =
  /** tls_client_auth: a CA-issued certificate with this subject value. */
  | { match: TlsSubjectField; value: string }
  /** self_signed_tls_client_auth: exactly this certificate (RFC 8705 §2.2). */
  | {
      pem: string;
      /** x5t#S256: base64url SHA-256 of the DER, as in the client's bound tokens. */
      thumbprint: string;
      subject: string;
      notAfter: string;
    };

const SUBJECT_FIELDS = [
  ['certSubject', 'tls_client_auth_subject_dn'],
  ['certSanUri', 'tls_client_auth_san_uri'],
  ['certSanDns', 'tls_client_auth_san_dns'],
  ['certSanEmail', 'tls_client_auth_san_email'],
  ['certSanIp', 'tls_client_auth_san_ip'],
] as const satisfies ReadonlyArray<readonly [keyof TlsAuthInput, TlsSubjectField]>;

export const CERTIFICATE_INPUT_FIELDS: ReadonlyArray<keyof TlsAuthInput> = [
  ...SUBJECT_FIELDS.map(([field]) => field),
  'certificatePem',
];

const AUTH_METHODS = ['client_secret_basic', 'tls_client_auth', 'self_signed_tls_client_auth'];
const DNS_NAME =
  /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}$/;
const MAX_VALUE = 1024;
const MAX_PEM = 16 * 1024;

/**
 * Checks the auth method and certificate fields of a registration. Returns the
 * binding for a TLS method, undefined for a secret; refuses a value a certificate
 * could never match, and certificate fields that the method would ignore. A
 * tls_client_auth registration naming no subject expects the SAN URI
 * `urn:onegate:client:<clientId>`.
 */
export function checkCertificateBinding(
  input: TlsAuthInput,
  auth: string,
  clientId: string | undefined,
): CertificateBinding | undefined {
  if (!AUTH_METHODS.includes(auth)) {
    invalid(`auth must be one of ${AUTH_METHODS.join(', ')}`);
  }
  const given = SUBJECT_FIELDS.filter(([field]) => input[field] !== undefined);
  const pem = input.certificatePem;
  if (auth === 'client_secret_basic') {
    if (given.length > 0 || pem !== undefined) {
      invalid('certificate options need auth tls_client_auth or self_signed_tls_client_auth');
    }
    return undefined;
  }
  if (auth === 'self_signed_tls_client_auth') {
    if (given.length > 0) invalid('self_signed_tls_client_auth takes the certificate itself, not a subject');
    if (pem === undefined) invalid('self_signed_tls_client_auth needs the client certificate (PEM)');
    return selfSignedBinding(pem);
  }
  if (pem !== undefined) invalid('tls_client_auth takes a certificate subject, not a certificate');
  // The pairing `onegate certs issue --client <id>` writes, so the usual case needs no subject option.
  if (given.length === 0 && clientId !== undefined) {
    return { match: 'tls_client_auth_san_uri', value: clientSanUri(clientId) };
  }
  if (given.length !== 1) {
    invalid(
      'tls_client_auth needs exactly one of: certificate subject DN, SAN URI, SAN DNS name, SAN e-mail, SAN IP',
    );
  }
  const [field, match] = given[0]!;
  return { match, value: checkSubjectValue(match, input[field]!) };
}

function checkSubjectValue(match: TlsSubjectField, raw: string): string {
  const value = raw.trim();
  if (value.length === 0 || value.length > MAX_VALUE)
    invalid('the certificate subject value is empty or too long');
  switch (match) {
    case 'tls_client_auth_subject_dn':
      if (!parseDistinguishedName(value)) {
        invalid('the certificate subject must be an RFC 4514 DN such as CN=og_abc,O=OneGate service clients');
      }
      return value;
    case 'tls_client_auth_san_uri':
      if (!URL.canParse(value) || /\s/.test(value))
        invalid('the certificate SAN URI must be an absolute URI');
      return value;
    case 'tls_client_auth_san_dns':
      if (!DNS_NAME.test(value)) invalid('the certificate SAN DNS name is not a host name');
      return value;
    case 'tls_client_auth_san_email':
      if (!EMAIL.test(value)) invalid('the certificate SAN e-mail is not an e-mail address');
      return value;
    case 'tls_client_auth_san_ip':
      return canonicalIp(value) ?? invalid('the certificate SAN IP is not an IP address');
  }
}

/** The SAN URI of a client certificate made by `onegate certs issue --client <id>`. */
export function clientSanUri(clientId: string): string {
  return `urn:onegate:client:${clientId}`;
}

/** The registered certificate of a self_signed_tls_client_auth client, re-encoded from its DER. */
function selfSignedBinding(text: string): CertificateBinding {
  if (text.length > MAX_PEM) invalid('the client certificate is too large');
  if (/PRIVATE KEY-----/.test(text)) invalid('give only the client certificate, never its private key');
  if ((text.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length !== 1) {
    invalid('the client certificate must be exactly one PEM certificate');
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(text);
  } catch {
    return invalid('the client certificate is not a PEM certificate');
  }
  if (cert.ca) {
    invalid(
      'a CA certificate (basicConstraints CA:TRUE) cannot identify a client; give the client its own certificate',
    );
  }
  if (cert.validToDate.getTime() <= Date.now()) invalid('the client certificate has expired');
  if (!usableKey(cert)) {
    invalid('the client certificate key must be EC P-256/P-384/P-521, Ed25519 or RSA of at least 2048 bits');
  }
  return {
    pem: cert.toString(),
    thumbprint: certificateThumbprint(cert),
    subject: cert.subject.split('\n').reverse().join(','),
    notAfter: cert.validToDate.toISOString(),
  };
}

/** Key types oidc-provider accepts in a client's JWKS; others would be dropped silently. */
function usableKey(cert: X509Certificate): boolean {
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'ec') {
    return ['prime256v1', 'secp384r1', 'secp521r1'].includes(details?.namedCurve ?? '');
  }
  if (key.asymmetricKeyType === 'rsa') return (details?.modulusLength ?? 0) >= 2048;
  return key.asymmetricKeyType === 'ed25519';
}

/** RFC 8705 §3.1 `x5t#S256`: base64url SHA-256 of the certificate's DER. */
export function certificateThumbprint(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('base64url');
}

/** The certificate as oidc-provider's `jwks`: its public key with `x5c`, from which it derives `x5t#S256`. */
export function certificateJwks(pem: string): { keys: Array<Record<string, unknown>> } {
  const cert = new X509Certificate(pem);
  const jwk = cert.publicKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, x5c: [cert.raw.toString('base64')] }] };
}

/** The input fields that reproduce a stored binding (so an update that leaves it alone keeps it). */
export function bindingInput(binding: CertificateBinding | undefined): Omit<TlsAuthInput, 'auth'> {
  if (binding === undefined) return {};
  if ('pem' in binding) return { certificatePem: binding.pem };
  const field = SUBJECT_FIELDS.find(([, match]) => match === binding.match)![0];
  return { [field]: binding.value };
}

function invalid(message: string): never {
  throw new IdentityError('ERR_CLIENT_INVALID', message);
}
