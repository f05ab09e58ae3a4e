import { sign, type KeyObject } from 'node:crypto';
import { bitString, der, oid, sequence, type Node } from './asn1.ts';
import { OID } from './oids.ts';

/** AlgorithmIdentifier ecdsa-with-SHA256; parameters MUST be absent (RFC 5758 §3.2). */
export const ecdsaWithSha256 = (): Node => sequence([oid(OID.ecdsaWithSha256)]);

/**
 * SEQUENCE { toBeSigned, signatureAlgorithm, signatureValue BIT STRING }: the shape of both a
 * Certificate and a CertificateList. forge cannot sign with ECDSA, so Node's crypto does.
 */
export function signStructure(toBeSigned: Node, key: KeyObject): Buffer {
  const signature = sign('sha256', der(toBeSigned), { key, dsaEncoding: 'der' });
  return der(sequence([toBeSigned, ecdsaWithSha256(), bitString(signature)]));
}
