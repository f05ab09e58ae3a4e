import type { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { sanMatches, subjectMatches, type SanType } from './certificate-names.ts';
import { requestCertificate } from './client-certificate.ts';

/** Why a TLS client authentication failed, as the audit event records it. */
export type CertificateProblem =
  'missing' | 'untrusted' | 'expired' | 'not_yet_valid' | 'revoked' | 'malformed' | 'subject_mismatch';

/** Client authentication methods that prove the client by its TLS certificate. */
export const TLS_AUTH_METHODS: readonly string[] = ['tls_client_auth', 'self_signed_tls_client_auth'];

/** What the mTLS hooks saw on a request: whether they ran, and what they refused. */
const seen = new WeakMap<IncomingMessage, { problem?: CertificateProblem }>();

const SAN_TYPES: Record<string, SanType> = {
  tls_client_auth_san_dns: 'DNS',
  tls_client_auth_san_uri: 'URI',
  tls_client_auth_san_email: 'email',
  tls_client_auth_san_ip: 'IP Address',
};

function note(ctx: KoaContextWithOIDC, problem?: CertificateProblem): void {
  const entry = seen.get(ctx.req) ?? {};
  if (problem !== undefined && entry.problem === undefined) entry.problem = problem;
  seen.set(ctx.req, entry);
}

/**
 * The certificate oidc-provider may use, both to authenticate a client and to bind
 * its tokens. A self-signed certificate is never CA-verified (RFC 8705 §2.2), but
 * its own validity period still holds, and a revoked or unreadable certificate is
 * useless for either purpose: those count as no certificate.
 */
export function usableCertificate(ctx: KoaContextWithOIDC, now = new Date()): X509Certificate | undefined {
  const presented = requestCertificate(ctx.req);
  if (!presented) {
    note(ctx, 'missing');
    return undefined;
  }
  const { certificate, problem } = presented;
  if (problem === 'revoked' || problem === 'malformed') {
    note(ctx, problem);
    return undefined;
  }
  // Checked here as well as by the server: its check may stop at "untrusted" before the dates.
  if (problem === 'expired' || certificate.validToDate < now) {
    note(ctx, 'expired');
    return undefined;
  }
  if (problem === 'not_yet_valid' || certificate.validFromDate > now) {
    note(ctx, 'not_yet_valid');
    return undefined;
  }
  note(ctx);
  return certificate;
}

/** oidc-provider's `features.mTLS`: tls_client_auth, self_signed_tls_client_auth and bound tokens. */
export function mtlsFeature() {
  return {
    enabled: true,
    certificateBoundAccessTokens: true,
    tlsClientAuth: true,
    selfSignedTlsClientAuth: true,
    getCertificate: (ctx: KoaContextWithOIDC) => usableCertificate(ctx),
    certificateAuthorized: (ctx: KoaContextWithOIDC) => {
      const presented = requestCertificate(ctx.req);
      if (presented?.authorized === true) return true;
      note(ctx, presented?.problem ?? 'untrusted');
      return false;
    },
    certificateSubjectMatches: (ctx: KoaContextWithOIDC, property: string, expected: string) => {
      const cert = requestCertificate(ctx.req)?.certificate;
      const san = SAN_TYPES[property];
      const matches =
        cert !== undefined &&
        (property === 'tls_client_auth_subject_dn'
          ? subjectMatches(cert, expected)
          : san !== undefined && sanMatches(cert, san, expected));
      if (!matches) note(ctx, 'subject_mismatch');
      return matches;
    },
  };
}

/**
 * Why TLS client authentication failed on this request, for the audit event.
 * Undefined when the certificate was never looked at (the client sent a secret or
 * an assertion instead). The hooks ran but refused nothing only when
 * oidc-provider found the certificate was not the one registered for a
 * self_signed_tls_client_auth client: the certificate does not name this client.
 */
export function certificateProblem(ctx: KoaContextWithOIDC): CertificateProblem | undefined {
  const entry = seen.get(ctx.req);
  if (!entry) return undefined;
  return entry.problem ?? 'subject_mismatch';
}
