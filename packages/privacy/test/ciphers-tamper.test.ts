import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  openField,
  PrivacyError,
  sealField,
  type CipherAlgorithm,
  type DataKey,
  type FieldContext,
  type KeyResolver,
} from '../src/index.ts';

/**
 * Every alteration of a stored value must end in the one error, in both
 * modes (ASVS 11.3.3): the payload bit by bit, every header part, and a
 * resolver lax enough to hand the same key material to whatever the header
 * asks for, so only the associated data stands in the way.
 */
const ALGORITHMS: CipherAlgorithm[] = ['aes-256-gcm', 'sm4-ctr-hmac-sm3'];
const place: FieldContext = { table: 'accounts', column: 'phone', row: '1001' };

function expectCannotDecrypt(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PrivacyError);
  expect(caught).toMatchObject({ code: 'ERR_PRIVACY_CIPHERTEXT' });
  expect((caught as Error).message).toMatch(/^the value cannot be decrypted/);
  // Nothing from Node (which would say which check failed) rides along.
  expect((caught as Error).cause).toBeUndefined();
}

/** Hands out this key's material under any id, version and algorithm asked for. */
function laxResolver(key: DataKey, algorithm?: CipherAlgorithm): KeyResolver {
  return (keyId, version) => ({
    keyId,
    version,
    algorithm: algorithm ?? key.algorithm,
    material: key.material,
  });
}

describe.each(ALGORITHMS)('tampering with a %s ciphertext', (algorithm) => {
  const key: DataKey = {
    keyId: 'identity.accounts.phone',
    version: 3,
    algorithm,
    material: createSecretKey(randomBytes(32)),
  };
  const resolve: KeyResolver = () => key;
  const sealed = sealField(key, '11010519491231002X', place);
  const header = sealed.slice(0, sealed.lastIndexOf(':') + 1);
  const payload = Buffer.from(sealed.slice(header.length), 'base64url');

  it('opens untouched (the control)', () => {
    expect(openField(sealed, place, resolve).toString()).toBe('11010519491231002X');
  });

  it('fails for every bit flipped anywhere in nonce, ciphertext and tag', () => {
    let tried = 0;
    for (let byte = 0; byte < payload.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const altered = Buffer.from(payload);
        altered[byte]! ^= 1 << bit;
        expectCannotDecrypt(() => openField(header + altered.toString('base64url'), place, resolve));
        tried++;
      }
    }
    expect(tried).toBe(payload.length * 8);
  });

  it('fails when the payload is cut short or extended by a byte', () => {
    for (const altered of [
      payload.subarray(0, -1),
      payload.subarray(1),
      Buffer.concat([payload, Buffer.of(0)]),
    ]) {
      expectCannotDecrypt(() => openField(header + altered.toString('base64url'), place, resolve));
    }
  });

  it('fails for every character of the text replaced by another of the alphabet', () => {
    const alphabet = 'Aa0_-.:';
    for (let i = 0; i < sealed.length; i++) {
      for (const c of alphabet) {
        if (c === sealed[i]) continue;
        const altered = sealed.slice(0, i) + c + sealed.slice(i + 1);
        expect(() => openField(altered, place, laxResolver(key))).toThrow(PrivacyError);
      }
    }
  });

  it.each([
    ['the key version', header.replace(':3:', ':4:')],
    ['the key id', header.replace('identity.accounts.phone', 'identity.accounts.email')],
  ])('fails when %s in the header is edited, even given the same key material', (_, edited) => {
    expectCannotDecrypt(() => openField(edited + payload.toString('base64url'), place, laxResolver(key)));
  });

  it('fails when the header is edited to name the other algorithm', () => {
    const [other, code] =
      algorithm === 'aes-256-gcm'
        ? (['sm4-ctr-hmac-sm3', 'sm4hsm3'] as const)
        : (['aes-256-gcm', 'a256gcm'] as const);
    const edited = header.replace(/^og1:[a-z0-9]+:/, `og1:${code}:`);
    // Against a keyring that keeps the key's own algorithm, and against one that would follow the header.
    expectCannotDecrypt(() => openField(edited + payload.toString('base64url'), place, laxResolver(key)));
    expectCannotDecrypt(() =>
      openField(edited + payload.toString('base64url'), place, laxResolver(key, other)),
    );
  });

  it('fails for flipped bits in a value too large for the scratch buffer (8 KB)', () => {
    const large = sealField(key, randomBytes(8192), place);
    const head = large.slice(0, large.lastIndexOf(':') + 1);
    const body = Buffer.from(large.slice(head.length), 'base64url');
    expect(openField(large, place, resolve)).toHaveLength(8192);
    for (const at of [0, 11, 12, 4000, body.length - 17, body.length - 1]) {
      const altered = Buffer.from(body);
      altered[at]! ^= 0x80;
      expectCannotDecrypt(() => openField(head + altered.toString('base64url'), place, resolve));
    }
  });

  it('fails when a resolver returns a key other than the one asked for', () => {
    expectCannotDecrypt(() => openField(sealed, place, () => ({ ...key, version: 4 })));
  });
});
