/** A certificate and its private key, both PEM; the key is unencrypted PKCS#8. */
export interface KeyAndCertificate {
  certPem: string;
  keyPem: string;
}

export interface IssuedCertificate extends KeyAndCertificate {
  /** Upper-case hex without leading zeros, as `X509Certificate.serialNumber` prints it. */
  serial: string;
  notAfter: Date;
  /** The subject as an RFC 4514 string, e.g. `CN=billing,O=OneGate service clients`. */
  subject: string;
}

export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'cACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation';

export interface Revocation {
  serial: string;
  revokedAt: Date;
  reason?: RevocationReason;
}
