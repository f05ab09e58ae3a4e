import { X509Certificate } from 'node:crypto';

const PEM = /^-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The certificate a TLS-terminating proxy forwarded in a header: URL-encoded
 * PEM (nginx `$ssl_client_escaped_cert`, Envoy), PEM with its line breaks
 * turned into spaces (Apache), or bare base64 DER (Traefik, HAProxy).
 * Exactly one certificate; anything else is `undefined`, never an exception:
 * the value comes from the network.
 */
export function parseForwardedCertificate(value: string): X509Certificate | undefined {
  let text = value.trim();
  if (text.includes('%')) {
    try {
      text = decodeURIComponent(text).trim();
    } catch {
      return undefined;
    }
  }
  const pem = PEM.exec(text);
  const base64 = (pem ? pem[1]! : text).replace(/\s+/g, '');
  if (!BASE64.test(base64) || base64.length % 4 !== 0) return undefined;
  const der = Buffer.from(base64, 'base64');
  try {
    const certificate = new X509Certificate(der);
    // A DER certificate is one SEQUENCE: trailing bytes mean it was not what we were sent.
    return certificate.raw.length === der.length ? certificate : undefined;
  } catch {
    return undefined;
  }
}
