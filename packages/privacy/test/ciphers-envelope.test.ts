import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64url, isCanonicalBase64url } from '../src/ciphers/base64url.ts';
import { isKeyId, openField, PrivacyError, readHeader, sealField, type DataKey } from '../src/index.ts';

/** Strict parsing of the text form: only what `sealField` writes gets as far as a key lookup. */
const key: DataKey = {
  keyId: 'identity.accounts.phone',
  version: 7,
  algorithm: 'aes-256-gcm',
  material: createSecretKey(randomBytes(32)),
};
const place = { table: 'accounts', column: 'phone', row: '1' };
const sealed = sealField(key, '13812341234', place);
const payload = sealed.split(':')[4]!;
const gm = sealField(
  { ...key, algorithm: 'sm4-ctr-hmac-sm3', material: createSecretKey(randomBytes(32)) },
  '',
  place,
);

/**
 * Refused by `readHeader` and by `openField`. A bad header (or a payload of
 * impossible length) is refused before any key lookup; the payload's
 * spelling is checked as it is decoded, after the lookup.
 */
function rejected(text: unknown, stage: 'header' | 'payload' = 'header'): void {
  let asked = false;
  let caught: unknown;
  try {
    openField(text as string, place, () => {
      asked = true;
      return key;
    });
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PrivacyError);
  expect(caught).toMatchObject({ code: 'ERR_PRIVACY_CIPHERTEXT' });
  expect(asked).toBe(stage === 'payload');
  expect(() => readHeader(text as string)).toThrow(PrivacyError);
}

describe('the text envelope', () => {
  it('reads the header of each algorithm without a key', () => {
    expect(readHeader(sealed)).toEqual({
      format: 1,
      algorithm: 'aes-256-gcm',
      keyId: 'identity.accounts.phone',
      version: 7,
    });
    expect(readHeader(gm)).toMatchObject({ algorithm: 'sm4-ctr-hmac-sm3' });
  });

  it('has the lengths the format promises: 12 + n + 16 bytes (AES-GCM), 16 + n + 32 (SM4)', () => {
    expect(Buffer.from(payload, 'base64url')).toHaveLength(12 + 11 + 16);
    expect(Buffer.from(gm.split(':')[4]!, 'base64url')).toHaveLength(16 + 0 + 32);
  });

  it.each<[string, unknown]>([
    ['the empty string', ''],
    ['a number', 42],
    ['undefined', undefined],
    ['the format tag alone', 'og1'],
    ['a part missing', sealed.slice(0, sealed.indexOf(':7:')) + ':' + payload],
    ['an extra separator in the key id', sealed.replace('identity.accounts', 'identity:accounts')],
    ['another format version', sealed.replace(/^og1/, 'og2')],
    ['an upper-case format tag', sealed.replace(/^og1/, 'OG1')],
    ['an unknown algorithm', sealed.replace('a256gcm', 'a128gcm')],
    ['the algorithm by its long name', sealed.replace('a256gcm', 'aes-256-gcm')],
    ['an empty key id', sealed.replace('identity.accounts.phone', '')],
    ['a key id with a space', sealed.replace('identity.accounts.phone', 'identity accounts')],
    ['a key id of 129 characters', sealed.replace('identity.accounts.phone', 'k'.repeat(129))],
    ['version 0', sealed.replace(':7:', ':0:')],
    ['a leading zero', sealed.replace(':7:', ':07:')],
    ['a signed version', sealed.replace(':7:', ':+7:')],
    ['a negative version', sealed.replace(':7:', ':-7:')],
    ['a fractional version', sealed.replace(':7:', ':7.0:')],
    ['a version in hex', sealed.replace(':7:', ':0x7:')],
    ['a version above 2^31-1', sealed.replace(':7:', ':2147483648:')],
    ['a version of 11 digits', sealed.replace(':7:', ':10000000000:')],
    ['an empty payload', sealed.slice(0, -payload.length)],
    ['a payload too short for nonce and tag', `${sealed.slice(0, -payload.length)}${'A'.repeat(36)}`],
    ['a GM payload too short for IV and tag', gm.slice(0, -2)],
    ['a string of 2 MiB', `og1:a256gcm:k:1:${'A'.repeat(2 ** 21)}`],
  ])('refuses %s before looking up a key', (_, text) => {
    rejected(text);
  });

  it.each<[string, unknown]>([
    ['an extra part', `${sealed}:x`],
    ['padding', `${sealed}=`],
    ['a "+" of standard base64', `${sealed.slice(0, -payload.length)}+${payload.slice(1)}`],
    ['a "/" of standard base64', `${sealed.slice(0, -payload.length)}/${payload.slice(1)}`],
    ['a newline at the end', `${sealed}\n`],
    ['a non-ASCII character in the payload', `${sealed.slice(0, -1)}é`],
    ['a space in the payload', sealed.slice(0, -4) + ' ' + sealed.slice(-3)],
    [
      'a payload one character long past a whole group',
      `${sealed.slice(0, -payload.length)}${'A'.repeat(41)}`,
    ],
  ])('refuses %s', (_, text) => {
    rejected(text, 'payload');
  });

  it('refuses a bad character in a payload too large for the scratch buffer, which Node decodes', () => {
    const large = sealField(key, randomBytes(6000), place);
    const at = large.length - 4000;
    for (const c of ['+', '=', ' ', '\n', 'é'])
      rejected(large.slice(0, at) + c + large.slice(at + 1), 'payload');
  });

  it('refuses a payload whose unused trailing bits are not zero (two spellings of one value)', () => {
    // 39 bytes encode to 52 characters: no spare bits. Take a length with spare bits instead.
    const odd = sealField(key, '1381234123', place);
    const tail = odd.split(':')[4]!;
    expect(tail.length % 4).not.toBe(0);
    const last = tail.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sloppy = alphabet[alphabet.indexOf(last) + 1]!;
    const variant = odd.slice(0, -1) + sloppy;
    // Node decodes both spellings to the same bytes; only the canonical one is accepted.
    expect(Buffer.from(variant.split(':')[4]!, 'base64url')).toEqual(Buffer.from(tail, 'base64url'));
    rejected(variant, 'payload');
  });

  it('accepts only key ids that cannot contain the separator', () => {
    expect(isKeyId('identity.accounts.phone')).toBe(true);
    expect(isKeyId('subject-4711_v')).toBe(true);
    for (const bad of ['', 'a:b', 'a b', 'ключ', 'a/b', 'k'.repeat(129), 7]) expect(isKeyId(bad)).toBe(false);
  });
});

describe('the payload decoder', () => {
  it('agrees with Buffer on every length from 0 to 100 bytes, from any offset', () => {
    for (let length = 0; length <= 100; length++) {
      const bytes = randomBytes(length);
      const text = `og1:x:${bytes.toString('base64url')}`;
      expect(isCanonicalBase64url(text, 6)).toBe(true);
      const out = Buffer.alloc(length + 8);
      expect(decodeBase64url(text, 6, out)).toBe(length);
      expect(out.subarray(0, length).equals(bytes)).toBe(true);
    }
  });

  it.each([
    ['a character outside the alphabet', 'AAA*'],
    ['standard base64', 'AA+/'],
    ['padding', 'AA=='],
    ['a non-ASCII character', 'AAAé'],
    ['one character past a whole group', 'AAAAA'],
    ['stray bits after 1 byte', 'AB'],
    ['stray bits after 2 bytes', 'AAB'],
  ])('refuses %s, in the check and in the decoder', (_, text) => {
    expect(isCanonicalBase64url(text, 0)).toBe(false);
    expect(decodeBase64url(text, 0, Buffer.alloc(16))).toBe(-1);
  });
});
