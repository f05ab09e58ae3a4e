import forge from 'node-forge';

// Thin helpers over forge.asn1, whose values are "binary strings" (one char per byte).
const { asn1 } = forge;
const U = asn1.Class.UNIVERSAL;
const C = asn1.Class.CONTEXT_SPECIFIC;
const T = asn1.Type;

export type Node = forge.asn1.Asn1;

export const toBinary = (bytes: Uint8Array): string => Buffer.from(bytes).toString('binary');
export const fromBinary = (binary: string): Buffer => Buffer.from(binary, 'binary');

export const sequence = (children: Node[]): Node => asn1.create(U, T.SEQUENCE, true, children);
export const set = (children: Node[]): Node => asn1.create(U, T.SET, true, children);
export const oid = (id: string): Node => asn1.create(U, T.OID, false, asn1.oidToDer(id).getBytes());
export const nullValue = (): Node => asn1.create(U, T.NULL, false, '');
export const boolean = (value: boolean): Node => asn1.create(U, T.BOOLEAN, false, value ? '\xff' : '\x00');
export const octetString = (bytes: Uint8Array): Node => asn1.create(U, T.OCTETSTRING, false, toBinary(bytes));
export const enumerated = (value: number): Node =>
  asn1.create(U, T.ENUMERATED, false, String.fromCharCode(value));
export const ia5String = (text: string): Node => asn1.create(U, T.IA5STRING, false, text);
/** A BIT STRING of these bytes, the last `unusedBits` bits of which are not part of it. */
export const bitString = (bytes: Uint8Array, unusedBits = 0): Node =>
  asn1.create(U, T.BITSTRING, false, String.fromCharCode(unusedBits) + toBinary(bytes));
/** A constructed [n]: an EXPLICIT wrapper, or an IMPLICIT-tagged SEQUENCE/SET of these children. */
export const tagged = (tag: number, children: Node[]): Node => asn1.create(C, tag, true, children);
/** An implicitly tagged [n] primitive value. */
export const implicitBytes = (tag: number, bytes: Uint8Array | string): Node =>
  asn1.create(C, tag, false, typeof bytes === 'string' ? bytes : toBinary(bytes));

/** A DER INTEGER from a non-negative whole number (minimal two's complement encoding). */
export function integer(value: bigint | number): Node {
  return integerFromBytes(Buffer.from(bigintHex(BigInt(value)), 'hex'));
}

/** A DER INTEGER holding these big-endian magnitude bytes as a positive number. */
export function integerFromBytes(magnitude: Uint8Array): Node {
  let bytes = Buffer.from(magnitude);
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return asn1.create(U, T.INTEGER, false, toBinary(bytes));
}

function bigintHex(value: bigint): string {
  const hex = value.toString(16);
  return hex.length % 2 ? `0${hex}` : hex;
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; always whole seconds, Zulu. */
export function time(date: Date): Node {
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

export function readTime(node: Node | undefined): Date | undefined {
  if (!node || node.tagClass !== U || typeof node.value !== 'string') return undefined;
  const date =
    node.type === T.UTCTIME
      ? asn1.utcTimeToDate(node.value)
      : node.type === T.GENERALIZEDTIME
        ? asn1.generalizedTimeToDate(node.value)
        : undefined;
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

export const isTime = (node: Node | undefined): boolean =>
  node?.tagClass === U && (node.type === T.UTCTIME || node.type === T.GENERALIZEDTIME);

export const der = (node: Node): Buffer => fromBinary(asn1.toDer(node).getBytes());

/**
 * Parses DER strictly. forge would by default try to decode every BIT STRING as nested ASN.1
 * (and could re-encode a public key differently); we keep BIT STRINGs as opaque bytes.
 */
export function parseDer(bytes: Uint8Array): Node {
  const options = { strict: true, parseAllBytes: true, decodeBitStrings: false };
  return asn1.fromDer(toBinary(bytes), options as unknown as boolean);
}

export function children(node: Node | undefined): Node[] {
  return node && Array.isArray(node.value) ? node.value : [];
}

export function primitive(node: Node | undefined): string | undefined {
  return node && typeof node.value === 'string' ? node.value : undefined;
}

export function isSequence(node: Node | undefined): boolean {
  return node?.tagClass === U && node.type === T.SEQUENCE && node.constructed;
}

export function isUniversal(node: Node | undefined, type: forge.asn1.Type): boolean {
  return node?.tagClass === U && node.type === type;
}

export function isContext(node: Node | undefined, tag: number): boolean {
  return node?.tagClass === C && (node.type as number) === tag;
}

export function readOid(node: Node | undefined): string | undefined {
  const value = isUniversal(node, T.OID) ? primitive(node) : undefined;
  return value === undefined ? undefined : asn1.derToOid(value);
}

/** Upper-case hex of a DER INTEGER's value as a positive number, without leading zeros. */
export function readIntegerHex(node: Node | undefined): string | undefined {
  const value = isUniversal(node, T.INTEGER) ? primitive(node) : undefined;
  if (value === undefined || value.length === 0) return undefined;
  return fromBinary(value)
    .toString('hex')
    .toUpperCase()
    .replace(/^0+(?=.)/, '');
}

/**
 * The exact bytes of the first element inside the outer SEQUENCE of `bytes` (the to-be-signed part
 * of a certificate or CRL), read from the DER headers rather than re-encoded, so that a signature
 * is checked over what the signer signed.
 */
export function firstElementBytes(bytes: Buffer): Buffer | undefined {
  const outer = header(bytes, 0);
  if (!outer) return undefined;
  const inner = header(bytes, outer.contentStart);
  return inner && inner.end <= outer.end ? bytes.subarray(outer.contentStart, inner.end) : undefined;
}

function header(bytes: Buffer, offset: number): { contentStart: number; end: number } | undefined {
  if (offset + 2 > bytes.length || (bytes[offset]! & 0x1f) === 0x1f) return undefined;
  const first = bytes[offset + 1]!;
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || contentStart + count > bytes.length) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i]!;
    contentStart += count;
  }
  const end = contentStart + length;
  return end <= bytes.length ? { contentStart, end } : undefined;
}

export { T as Type };
