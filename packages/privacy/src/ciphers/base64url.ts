/**
 * Strict base64url (RFC 4648 §5, no padding) for envelope payloads.
 *
 * Checking: Node's decoder skips characters outside the alphabet and ignores
 * stray trailing bits, so two strings could decode alike; only the spelling
 * `Buffer#toString('base64url')` writes passes here.
 *
 * Decoding by hand, checking as it goes: for a field-sized payload this one
 * loop costs less than a check followed by a call into Node's native
 * decoder, whose fixed cost was the largest part of `openField` beyond the
 * cipher itself (test/bench/privacy.ts). Checked against Buffer's decoder
 * in test/ciphers-envelope.test.ts.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Values of the alphabet by UTF-16 code unit; -1 for every other unit, so no range check is needed. */
const SEXTET = new Int8Array(0x10000).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) SEXTET[ALPHABET.charCodeAt(i)] = i;

/** Whether `text` from `from` to its end is canonical base64url. */
export function isCanonicalBase64url(text: string, from: number): boolean {
  const rest = (text.length - from) % 4;
  if (rest === 1) return false;
  for (let i = from; i < text.length; i++) {
    if (sextet(text, i) < 0) return false;
  }
  if (rest === 0) return true;
  const last = SEXTET[text.charCodeAt(text.length - 1)]!;
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0;
}

/**
 * Decodes `text` from `from` into `out`, which must have room; returns the
 * bytes written, or -1 when the text is not canonical base64url (what
 * `isCanonicalBase64url` refuses).
 */
export function decodeBase64url(text: string, from: number, out: Uint8Array): number {
  const end = text.length;
  const rest = (end - from) % 4;
  if (rest === 1) return -1;
  const whole = end - rest;
  let n = 0;
  let i = from;
  for (; i < whole; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = sextet(text, i + 2);
    const d = sextet(text, i + 3);
    if ((a | b | c | d) < 0) return -1;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[n++] = v >>> 16;
    out[n++] = (v >>> 8) & 0xff;
    out[n++] = v & 0xff;
  }
  if (rest === 2) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    if ((a | b) < 0 || (b & 0x0f) !== 0) return -1;
    out[n++] = (a << 2) | (b >>> 4);
  } else if (rest === 3) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = sextet(text, i + 2);
    if ((a | b | c) < 0 || (c & 0x03) !== 0) return -1;
    const v = (a << 12) | (b << 6) | c;
    out[n++] = v >>> 10;
    out[n++] = (v >>> 2) & 0xff;
  }
  return n;
}

function sextet(text: string, i: number): number {
  return SEXTET[text.charCodeAt(i)]!;
}
