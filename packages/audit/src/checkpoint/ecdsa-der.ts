/**
 * The DER form of an (r, s) signature, `SEQUENCE { INTEGER r, INTEGER s }`
 * (SEC 1 ECDSA-Sig-Value; GB/T 35276 uses the same structure for SM2). One
 * encoding per value: minimal lengths and integers, nothing after, so a
 * signature has no second spelling that also verifies.
 */

const SEQUENCE = 0x30;
const INTEGER = 0x02;
/** A 256-bit curve: each integer at most 33 bytes, so all lengths are short-form. */
const MAX_INTEGER_BYTES = 33;

/** The DER encoding of two positive integers of at most 256 bits. */
export function encodeSignatureDer(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([integer(r), integer(s)]);
  return Buffer.concat([Uint8Array.of(SEQUENCE, body.length), body]);
}

/** r and s of a strict DER signature, or `undefined` for anything else. */
export function decodeSignatureDer(der: Uint8Array): { r: bigint; s: bigint } | undefined {
  if (der.length < 2 || der[0] !== SEQUENCE || der[1] !== der.length - 2 || der[1] >= 0x80) return undefined;
  const r = readInteger(der, 2);
  if (r === undefined) return undefined;
  const s = readInteger(der, r.end);
  if (s === undefined || s.end !== der.length) return undefined;
  return { r: r.value, s: s.value };
}

function integer(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  // A set top bit would read as negative: DER puts a zero byte before it.
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Uint8Array.of(0), bytes]);
  return Buffer.concat([Uint8Array.of(INTEGER, bytes.length), bytes]);
}

function readInteger(der: Uint8Array, at: number): { value: bigint; end: number } | undefined {
  if (der[at] !== INTEGER) return undefined;
  const length = der[at + 1];
  if (length === undefined || length === 0 || length > MAX_INTEGER_BYTES) return undefined;
  const start = at + 2;
  const end = start + length;
  if (end > der.length) return undefined;
  const bytes = der.subarray(start, end);
  // Negative, or a leading zero byte that is not needed: not DER.
  if (bytes[0]! & 0x80) return undefined;
  if (bytes[0] === 0 && length > 1 && !(bytes[1]! & 0x80)) return undefined;
  return { value: BigInt(`0x${Buffer.from(bytes).toString('hex')}`), end };
}
