import type { X509Certificate } from 'node:crypto';
import { ServerError } from '../errors.ts';
import { OID } from './oids.ts';
import { parseCertificatesPem, pemBlocks } from './pem.ts';
import { crlSignedBy, parseCrl } from './read-crl.ts';
import { normalizeSerial } from './serial.ts';

/** The CAs whose client certificates are trusted, and what their CRLs revoke. */
export interface TrustAnchors {
  cas: X509Certificate[];
  /** Issuer CA fingerprint256 → revoked serials (upper-case hex without leading zeros). */
  revoked: Map<string, Set<string>>;
}

export type CertificateProblem = 'untrusted' | 'expired' | 'not_yet_valid' | 'revoked';

/**
 * Whether a client certificate may authenticate: issued and signed by one of the configured CAs, an
 * end-entity certificate fit for TLS client authentication, within its (and its CA's) validity, and
 * not on that CA's CRL. Only direct issuance by a configured CA is accepted (no intermediates).
 */
export function checkClientCertificate(
  cert: X509Certificate,
  trust: TrustAnchors | undefined,
  now = new Date(),
): { authorized: boolean; problem?: CertificateProblem } {
  const refuse = (problem: CertificateProblem) => ({ authorized: false, problem });
  const issuer = trust?.cas.find((ca) => ca.ca && issuedBy(cert, ca));
  if (!issuer || cert.ca || !fitForClientAuth(cert)) return refuse('untrusted');
  if (now > cert.validToDate || now > issuer.validToDate) return refuse('expired');
  if (now < cert.validFromDate || now < issuer.validFromDate) return refuse('not_yet_valid');
  if (trust?.revoked.get(issuer.fingerprint256)?.has(normalizeSerial(cert.serialNumber)))
    return refuse('revoked');
  return { authorized: true };
}

function issuedBy(cert: X509Certificate, ca: X509Certificate): boolean {
  try {
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** An extended key usage, when present, must allow clientAuth (as openssl's purpose check demands). */
function fitForClientAuth(cert: X509Certificate): boolean {
  // Node names the extendedKeyUsage OIDs `keyUsage` (undefined when the extension is absent).
  const purposes = cert.keyUsage as string[] | undefined;
  return purposes === undefined || purposes.includes(OID.clientAuth);
}

/**
 * Parses the CA bundle (ONEGATE_TLS_CA) and the CRL files (ONEGATE_TLS_CRL). Every certificate must be
 * a CA and every CRL must be signed by one of them; anything else is ERR_TLS_CONFIG, so a typo in a
 * file never silently turns revocation checking off.
 */
export function loadTrustAnchors(caPem: string, crlPems: string[]): TrustAnchors {
  const cas = parseCertificatesPem(caPem, 'the CA file', 'ERR_TLS_CONFIG');
  cas.forEach((ca, i) => {
    if (!ca.ca) {
      throw new ServerError(
        'ERR_TLS_CONFIG',
        `certificate ${i + 1} of the CA file is not a CA (basicConstraints CA:TRUE)`,
      );
    }
  });
  const revoked = new Map<string, Set<string>>();
  crlPems.forEach((pem, file) => {
    const blocks = pemBlocks(pem, 'X509 CRL');
    if (blocks.length === 0)
      throw new ServerError('ERR_TLS_CONFIG', `CRL file ${file + 1} holds no PEM "X509 CRL"`);
    for (const der of blocks) {
      const crl = parseCrl(der);
      const issuer = cas.find((ca) => crlSignedBy(crl, ca));
      if (!issuer) {
        throw new ServerError(
          'ERR_TLS_CONFIG',
          `a CRL in CRL file ${file + 1} is not signed by any configured CA`,
        );
      }
      const serials = revoked.get(issuer.fingerprint256) ?? new Set<string>();
      for (const serial of crl.revoked) serials.add(serial);
      revoked.set(issuer.fingerprint256, serials);
    }
  });
  return { cas, revoked };
}
