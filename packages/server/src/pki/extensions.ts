import {
  bitString,
  boolean,
  der,
  tagged,
  implicitBytes,
  integer,
  octetString,
  oid,
  sequence,
  type Node,
} from './asn1.ts';
import { OID } from './oids.ts';

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING (DER of value) } */
export function extension(id: string, critical: boolean, value: Node): Node {
  return sequence([oid(id), ...(critical ? [boolean(true)] : []), octetString(der(value))]);
}

export function basicConstraints(options: { ca: true; pathLength: number } | { ca: false }): Node {
  // cA DEFAULT FALSE is omitted when false (DER); the leaf's extension is still present so it cannot be read as a CA.
  const value = options.ca ? sequence([boolean(true), integer(options.pathLength)]) : sequence([]);
  return extension(OID.basicConstraints, true, value);
}

// KeyUsage bit numbers (RFC 5280 §4.2.1.3) in the first byte, most significant bit first.
const KEY_USAGE_BITS = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

export function keyUsage(usages: (keyof typeof KEY_USAGE_BITS)[]): Node {
  let byte = 0;
  for (const usage of usages) byte |= 0x80 >> KEY_USAGE_BITS[usage];
  // DER named bit lists drop trailing zero bits: the unused-bits count is the number of them.
  let unused = 0;
  while (unused < 7 && !(byte & (1 << unused))) unused++;
  return extension(OID.keyUsage, true, bitString(Buffer.from([byte]), unused));
}

export function extendedKeyUsage(purposes: string[]): Node {
  return extension(OID.extKeyUsage, false, sequence(purposes.map(oid)));
}

export function subjectAltName(names: Node[]): Node {
  return extension(OID.subjectAltName, false, sequence(names));
}

export function subjectKeyIdentifier(id: Buffer): Node {
  return extension(OID.subjectKeyIdentifier, false, octetString(id));
}

/** AuthorityKeyIdentifier with only keyIdentifier [0] (RFC 5280 §4.2.1.1). */
export function authorityKeyIdentifier(id: Buffer): Node {
  return extension(OID.authorityKeyIdentifier, false, sequence([implicitBytes(0, id)]));
}

/** NameConstraints with permittedSubtrees only; always critical (RFC 5280 §4.2.1.10). */
export function nameConstraints(permitted: Node[]): Node {
  const subtrees = permitted.map((name) => sequence([name]));
  return extension(OID.nameConstraints, true, sequence([tagged(0, subtrees)]));
}
