// X.509 for OneGate's service PKI: ECDSA P-256 certificates and CRLs built with forge.asn1 and signed by
// Node's crypto, PKCS#12 export without SHA-1, and the client-certificate check used for mutual TLS.
export { createCertificateAuthority } from './certificate-authority.ts';
export { certificateThumbprint, daysUntilExpiry } from './certificate-info.ts';
export { createCrl } from './crl.ts';
export { clientUri, issueClientCertificate, issueServerCertificate } from './issue.ts';
export { parseCertificatePem } from './pem.ts';
export { exportPkcs12 } from './pkcs12.ts';
export { readCrl, type CrlContents } from './read-crl.ts';
export { normalizeSerial } from './serial.ts';
export type { IssuedCertificate, KeyAndCertificate, Revocation, RevocationReason } from './types.ts';
export {
  checkClientCertificate,
  loadTrustAnchors,
  type CertificateProblem,
  type TrustAnchors,
} from './verify-certificate.ts';
