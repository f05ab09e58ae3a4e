import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdentityError } from '../src/errors.ts';
import { open, seal } from '../src/keys/index.ts';

const key = createSecretKey(randomBytes(32));
const aad = 'client-secret:app-1';

function expectTheOneError(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(IdentityError);
  expect(caught).toMatchObject({ code: 'ERR_SEALED_DATA', message: 'sealed data cannot be opened' });
  expect((caught as Error).cause).toBeUndefined();
}

/** Flips one bit of the decoded part `index` (1 = nonce, 2 = ciphertext+tag) at byte `at`. */
function flip(sealed: string, index: number, at: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  bytes[at < 0 ? bytes.length + at : at]! ^= 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('sealed box', () => {
  it('round-trips strings and bytes in the v1 text format', () => {
    const sealed = seal(key, 'client secret ✓', aad);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(open(key, sealed, aad).toString('utf8')).toBe('client secret ✓');
    const bytes = randomBytes(100);
    expect(open(key, seal(key, bytes, aad), aad).equals(bytes)).toBe(true);
    expect(open(key, seal(key, '', aad), aad)).toHaveLength(0);
  });

  it('uses a fresh nonce every time', () => {
    expect(seal(key, 'same', aad)).not.toBe(seal(key, 'same', aad));
  });

  it('does not open with another AAD, so a value copied elsewhere is useless', () => {
    expectTheOneError(() => open(key, seal(key, 'secret', aad), 'client-secret:app-2'));
  });

  it('does not open with another key', () => {
    expectTheOneError(() => open(createSecretKey(randomBytes(32)), seal(key, 'secret', aad), aad));
  });

  it('detects any flipped bit in nonce, ciphertext or tag', () => {
    const sealed = seal(key, 'secret', aad);
    expectTheOneError(() => open(key, flip(sealed, 1, 0), aad));
    expectTheOneError(() => open(key, flip(sealed, 2, 0), aad));
    expectTheOneError(() => open(key, flip(sealed, 2, -1), aad));
  });

  it('refuses unknown versions and malformed text with the same error', () => {
    const sealed = seal(key, 'secret', aad);
    for (const bad of [
      sealed.replace(/^v1/, 'v2'),
      sealed.replace(/^v1\./, ''),
      `${sealed}.x`,
      sealed.slice(0, -4),
      `${sealed}A`,
      sealed.replace(/\.([A-Za-z0-9_-])/, '.$1='),
      'v1..',
      '',
      'not sealed at all',
    ]) {
      expectTheOneError(() => open(key, bad, aad));
    }
  });

  it('refuses a key that is not 32 secret bytes', () => {
    expect(() => seal(createSecretKey(randomBytes(16)), 'x', aad)).toThrow(
      expect.objectContaining({ code: 'ERR_KEY_UNAVAILABLE' }) as Error,
    );
    expectTheOneError(() => open(createSecretKey(randomBytes(16)), seal(key, 'x', aad), aad));
  });
});
