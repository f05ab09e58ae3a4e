import { createHash, type KeyObject } from 'node:crypto';
import { children, fromBinary, parseDer, primitive } from './asn1.ts';

/**
 * Subject key identifier by RFC 7093 §2 method 1: the leftmost 160 bits of the SHA-256 hash of the
 * subjectPublicKey BIT STRING value (without tag, length and unused-bits byte). Never SHA-1 (ASVS 11.4.1).
 */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = parseDer(publicKey.export({ type: 'spki', format: 'der' }));
  const bits = primitive(children(spki)[1]) ?? '';
  return createHash('sha256').update(fromBinary(bits).subarray(1)).digest().subarray(0, 20);
}
