import type { IncomingMessage } from 'node:http';
import type { X509Certificate } from 'node:crypto';

/**
 * The client certificate presented on a request, as the server verified it. The server sets it
 * on every request before any route (from the TLS socket, or from a forwarded-certificate header
 * when the peer is a trusted proxy); oidc-provider's mTLS hooks and the platform-API token check
 * read it. A symbol on the IncomingMessage, so nothing a client sends can set it.
 */
export const CLIENT_CERTIFICATE: unique symbol = Symbol.for('onegate.clientCertificate');

export type ClientCertificateProblem = 'untrusted' | 'expired' | 'not_yet_valid' | 'revoked' | 'malformed';

export interface ClientCertificate {
  certificate: X509Certificate;
  /** true when it chains to a configured CA (ONEGATE_TLS_CA), is within its validity and not on the CRL */
  authorized: boolean;
  /** why not authorized: 'untrusted' | 'expired' | 'not_yet_valid' | 'revoked' | 'malformed' */
  problem?: ClientCertificateProblem | undefined;
  /** how it reached us */
  via: 'tls' | 'proxy-header';
}

interface CertificateCarrier {
  [CLIENT_CERTIFICATE]?: ClientCertificate | undefined;
}

export function requestCertificate(req: IncomingMessage): ClientCertificate | undefined {
  return (req as IncomingMessage & CertificateCarrier)[CLIENT_CERTIFICATE];
}

export function setRequestCertificate(req: IncomingMessage, cert: ClientCertificate | undefined): void {
  (req as IncomingMessage & CertificateCarrier)[CLIENT_CERTIFICATE] = cert;
}
