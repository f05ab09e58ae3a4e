import { createHash, type X509Certificate } from 'node:crypto';

/** base64url SHA-256 of the DER certificate: the `x5t#S256` confirmation of RFC 8705 §3.1. */
export function certificateThumbprint(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('base64url');
}

/** Whole days left before the certificate expires (rounded down; negative once it has). */
export function daysUntilExpiry(cert: X509Certificate, now = new Date()): number {
  return Math.floor((cert.validToDate.getTime() - now.getTime()) / 86_400_000);
}
