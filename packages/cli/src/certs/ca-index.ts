/**
 * index.json: the development CA's record of what it issued, the only place
 * `certs revoke --client` and `certs list` learn it from, and the next CRL
 * number (a CRL's number only ever grows, RFC 5280 5.2.3).
 */

/** The reasons `certs revoke` takes (RFC 5280 5.3.1); `unspecified` leaves the CRL entry without one. */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'superseded',
  'cessationOfOperation',
  'affiliationChanged',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export interface IndexedCertificate {
  /** Upper-case hex without leading zeros, as `X509Certificate.serialNumber` prints it. */
  serial: string;
  kind: 'server' | 'client';
  /** The service client a client certificate is bound to. */
  clientId?: string;
  /** The host names and addresses of a server certificate. */
  hosts?: string[];
  subject: string;
  notAfter: string;
  issuedAt: string;
  revokedAt?: string;
  reason?: RevocationReason;
}

export interface CaIndex {
  version: 1;
  nextCrlNumber: number;
  certificates: IndexedCertificate[];
}

export type CertificateStatus = 'valid' | 'expired' | 'revoked';

export function certificateStatus(entry: IndexedCertificate, now: Date): CertificateStatus {
  if (entry.revokedAt !== undefined) return 'revoked';
  return Date.parse(entry.notAfter) <= now.getTime() ? 'expired' : 'valid';
}

/** Whole days until `notAfter`, negative once it has passed. */
export function daysLeft(notAfter: string, now: Date): number {
  return Math.floor((Date.parse(notAfter) - now.getTime()) / 86_400_000);
}

export function formatIndex(index: CaIndex): string {
  return `${JSON.stringify(index, null, 2)}\n`;
}

/** The index in `text`; an Error naming `path` when it is not one (edited by hand, cut short). */
export function parseIndex(text: string, path: string): CaIndex {
  const bad = (what: string) => new Error(`${path} is not a certs index: ${what}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  if (!isRecord(value) || value['version'] !== 1) throw bad('no "version": 1');
  const { nextCrlNumber, certificates } = value;
  if (typeof nextCrlNumber !== 'number' || !Number.isSafeInteger(nextCrlNumber) || nextCrlNumber < 1) {
    throw bad('"nextCrlNumber" is not a positive whole number');
  }
  if (!Array.isArray(certificates)) throw bad('"certificates" is not a list');
  return {
    version: 1,
    nextCrlNumber,
    certificates: certificates.map((entry, i) => {
      const problem = entryProblem(entry);
      if (problem) throw bad(`certificate ${i + 1}: ${problem}`);
      return entry as IndexedCertificate;
    }),
  };
}

function entryProblem(entry: unknown): string | undefined {
  if (!isRecord(entry)) return 'not an object';
  if (typeof entry['serial'] !== 'string' || !/^[0-9A-F]+$/.test(entry['serial'])) return 'bad "serial"';
  if (entry['kind'] !== 'server' && entry['kind'] !== 'client') return 'bad "kind"';
  if (entry['kind'] === 'client' && typeof entry['clientId'] !== 'string') return 'no "clientId"';
  for (const field of ['notAfter', 'issuedAt', 'revokedAt'] as const) {
    const date = entry[field];
    if (
      (field !== 'revokedAt' || date !== undefined) &&
      (typeof date !== 'string' || Number.isNaN(Date.parse(date)))
    ) {
      return `bad "${field}"`;
    }
  }
  const reason = entry['reason'];
  if (reason !== undefined && !REVOCATION_REASONS.includes(reason as RevocationReason)) return 'bad "reason"';
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
