import { generateKeyPairSync } from 'node:crypto';
import { ServerError } from '../errors.ts';
import type { Node } from './asn1.ts';
import { buildCertificate } from './build-certificate.ts';
import {
  authorityKeyIdentifier,
  basicConstraints,
  extendedKeyUsage,
  keyUsage,
  subjectAltName,
  subjectKeyIdentifier,
} from './extensions.ts';
import { keyIdentifier } from './key-identifier.ts';
import { loadSigningCa } from './load-ca.ts';
import {
  distinguishedName,
  distinguishedNameText,
  hostGeneralName,
  parseHost,
  uriGeneralName,
  type NameAttribute,
} from './names.ts';
import { OID } from './oids.ts';
import { toPem } from './pem.ts';
import { randomSerial } from './serial.ts';
import type { IssuedCertificate, KeyAndCertificate } from './types.ts';
import { validityPeriod } from './validity.ts';

export const CLIENT_ORGANIZATION = 'OneGate service clients';
const SERVER_ORGANIZATION = 'OneGate';
// RFC 3986 unreserved characters (plus ':'), so the id can sit in a URN and a CN (ub-common-name 64).
const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._~:-]{0,63}$/;

/** The SAN URI that binds a client certificate to its OAuth client (pair with `tls_client_auth_san_uri`). */
export const clientUri = (clientId: string): string => `urn:onegate:client:${clientId}`;

/** A TLS server certificate for these DNS names / IP addresses (EKU serverAuth), signed by `ca`. */
export function issueServerCertificate(
  ca: KeyAndCertificate,
  options: { hosts: string[]; days: number },
): IssuedCertificate {
  if (options.hosts.length === 0)
    throw new ServerError('ERR_CERT_INVALID', 'a server certificate needs a host');
  const hosts = options.hosts.map((h) => parseHost(h, { wildcard: true }));
  // CN is legacy (clients match the SAN); a DNS name only, since openssl checks a CN that looks like one
  // against the CA's DNS name constraints when the SAN has no DNS name.
  const dns = hosts.find((h) => h.kind === 'dns');
  const subject: NameAttribute[] = [
    { type: 'O', value: SERVER_ORGANIZATION },
    ...(dns ? [{ type: 'CN' as const, value: dns.name }] : []),
  ];
  return issueLeaf(ca, {
    subject,
    names: hosts.map(hostGeneralName),
    purpose: OID.serverAuth,
    days: options.days,
    notBefore: undefined,
  });
}

/**
 * A client certificate for a service client: subject CN=<clientId>, O=OneGate service clients,
 * SAN URI urn:onegate:client:<clientId>, EKU clientAuth.
 */
export function issueClientCertificate(
  ca: KeyAndCertificate,
  options: { clientId: string; days: number; notBefore?: Date },
): IssuedCertificate {
  if (!CLIENT_ID.test(options.clientId)) {
    throw new ServerError(
      'ERR_CERT_INVALID',
      'a client id in a certificate must be 1 to 64 characters of A-Z a-z 0-9 . _ ~ : - (starting with a letter or digit)',
    );
  }
  return issueLeaf(ca, {
    subject: [
      { type: 'O', value: CLIENT_ORGANIZATION },
      { type: 'CN', value: options.clientId },
    ],
    names: [uriGeneralName(clientUri(options.clientId))],
    purpose: OID.clientAuth,
    days: options.days,
    notBefore: options.notBefore,
  });
}

function issueLeaf(
  ca: KeyAndCertificate,
  leaf: {
    subject: NameAttribute[];
    names: Node[];
    purpose: string;
    days: number;
    notBefore: Date | undefined;
  },
): IssuedCertificate {
  const signer = loadSigningCa(ca);
  const validity = validityPeriod(leaf.days, leaf.notBefore);
  // A certificate outliving its CA would fail verification after the CA expires anyway: say so now.
  if (validity.notAfter > signer.cert.validToDate) {
    throw new ServerError(
      'ERR_CERT_INVALID',
      `the CA expires before ${leaf.days} days from now; issue fewer days`,
    );
  }
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serial = randomSerial();
  const der = buildCertificate(
    {
      serial,
      issuer: signer.name,
      subject: distinguishedName(leaf.subject),
      publicKey,
      ...validity,
      extensions: [
        basicConstraints({ ca: false }),
        keyUsage(['digitalSignature']),
        extendedKeyUsage([leaf.purpose]),
        subjectAltName(leaf.names),
        subjectKeyIdentifier(keyIdentifier(publicKey)),
        authorityKeyIdentifier(signer.keyId),
      ],
    },
    signer.key,
  );
  return {
    certPem: toPem('CERTIFICATE', der),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    serial: serial.toString('hex').toUpperCase(),
    notAfter: validity.notAfter,
    subject: distinguishedNameText(leaf.subject),
  };
}
