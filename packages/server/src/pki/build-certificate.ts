import type { KeyObject } from 'node:crypto';
import { integer, integerFromBytes, parseDer, sequence, tagged, time, type Node } from './asn1.ts';
import { ecdsaWithSha256, signStructure } from './sign.ts';
import type { Validity } from './validity.ts';

export interface CertificateFields extends Validity {
  serial: Buffer;
  issuer: Node;
  subject: Node;
  publicKey: KeyObject;
  extensions: Node[];
}

/**
 * An X.509 v3 certificate (RFC 5280 §4.1) as DER. forge's getTBSCertificate only knows RSA keys,
 * so the TBSCertificate is assembled here with the SubjectPublicKeyInfo exactly as Node exports it.
 */
export function buildCertificate(fields: CertificateFields, signingKey: KeyObject): Buffer {
  const tbs = sequence([
    tagged(0, [integer(2)]), // v3
    integerFromBytes(fields.serial),
    ecdsaWithSha256(),
    fields.issuer,
    sequence([time(fields.notBefore), time(fields.notAfter)]),
    fields.subject,
    parseDer(fields.publicKey.export({ type: 'spki', format: 'der' })),
    tagged(3, [sequence(fields.extensions)]),
  ]);
  return signStructure(tbs, signingKey);
}
