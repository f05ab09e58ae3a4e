import { generateKeyPairSync } from 'node:crypto';
import { ServerError } from '../errors.ts';
import { buildCertificate } from './build-certificate.ts';
import { basicConstraints, keyUsage, nameConstraints, subjectKeyIdentifier } from './extensions.ts';
import { keyIdentifier } from './key-identifier.ts';
import {
  distinguishedName,
  distinguishedNameText,
  permittedSubtreeName,
  type NameAttribute,
} from './names.ts';
import { toPem } from './pem.ts';
import { randomSerial } from './serial.ts';
import type { IssuedCertificate } from './types.ts';
import { validityPeriod } from './validity.ts';

/**
 * A self-signed ECDSA P-256 CA that may only issue end-entity certificates (pathlen 0) and, when
 * `permittedHosts` is not empty, only for those DNS names (and their subdomains) and addresses/ranges.
 */
export function createCertificateAuthority(options: {
  commonName: string;
  permittedHosts: string[];
  days: number;
}): IssuedCertificate {
  if (!options.commonName.trim() || options.commonName.length > 64) {
    throw new ServerError('ERR_CERT_INVALID', 'the CA common name must be 1 to 64 characters');
  }
  const validity = validityPeriod(options.days, undefined);
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const attributes: NameAttribute[] = [{ type: 'CN', value: options.commonName }];
  const name = distinguishedName(attributes);
  const serial = randomSerial();
  const extensions = [
    basicConstraints({ ca: true, pathLength: 0 }),
    keyUsage(['keyCertSign', 'cRLSign']),
    subjectKeyIdentifier(keyIdentifier(publicKey)),
  ];
  if (options.permittedHosts.length > 0) {
    extensions.push(nameConstraints(options.permittedHosts.map(permittedSubtreeName)));
  }
  const der = buildCertificate(
    { serial, issuer: name, subject: name, publicKey, extensions, ...validity },
    privateKey,
  );
  return {
    certPem: toPem('CERTIFICATE', der),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    serial: serial.toString('hex').toUpperCase(),
    notAfter: validity.notAfter,
    subject: distinguishedNameText(attributes),
  };
}
