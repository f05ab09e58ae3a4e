import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  MAX_FIELD_BYTES,
  openField,
  openFieldText,
  PrivacyError,
  readHeader,
  sealField,
  type CipherAlgorithm,
  type DataKey,
  type FieldContext,
  type KeyResolver,
} from '../src/index.ts';

const ALGORITHMS: CipherAlgorithm[] = ['aes-256-gcm', 'sm4-ctr-hmac-sm3'];
const place: FieldContext = {
  table: 'accounts',
  column: 'id_number',
  row: '7f3c2a90-5d1e-4b8a-9c61-2f0e8d7b4a13',
};

function dataKey(algorithm: CipherAlgorithm, keyId = 'identity.accounts.id_number', version = 1): DataKey {
  return { keyId, version, algorithm, material: createSecretKey(randomBytes(32)) };
}

/** Resolves exactly the keys given, as a keyring would. */
function resolverOf(...keys: DataKey[]): KeyResolver {
  return (keyId, version) => {
    const key = keys.find((k) => k.keyId === keyId && k.version === version);
    if (!key) throw new PrivacyError('ERR_PRIVACY_KEY_NOT_FOUND', 'no such key');
    return key;
  };
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

const VALUES: [string, string | Buffer][] = [
  ['empty', ''],
  ['one byte', Buffer.from([0x00])],
  ['an 18-character resident ID', '11010519491231002X'],
  ['4 KB of bytes', randomBytes(4096)],
  ['non-ASCII text', '欧阳娜娜 · 北京市朝阳区 😀 Zoë'],
];

describe.each(ALGORITHMS)('sealField and openField with %s', (algorithm) => {
  const key = dataKey(algorithm);
  const resolve = resolverOf(key);

  it.each(VALUES)('round-trips %s', (_, value) => {
    const sealed = sealField(key, value, place);
    expect(openField(sealed, place, resolve)).toEqual(Buffer.from(value));
    if (typeof value === 'string') expect(openFieldText(sealed, place, resolve)).toBe(value);
  });

  it('round-trips the largest value allowed and refuses one byte more', () => {
    const largest = randomBytes(MAX_FIELD_BYTES);
    expect(openField(sealField(key, largest, place), place, resolve).equals(largest)).toBe(true);
    expect(caught(() => sealField(key, Buffer.alloc(MAX_FIELD_BYTES + 1), place))).toMatchObject({
      code: 'ERR_PRIVACY_INVALID',
    });
  });

  it('accepts a plain Uint8Array as well as a Buffer', () => {
    const bytes = new Uint8Array([1, 2, 3, 4]).subarray(1, 3);
    expect([...openField(sealField(key, bytes, place), place, resolve)]).toEqual([2, 3]);
  });

  it('seals the same value differently every time (random nonce)', () => {
    const a = sealField(key, '13812341234', place);
    const b = sealField(key, '13812341234', place);
    expect(a).not.toBe(b);
    expect(openFieldText(a, place, resolve)).toBe(openFieldText(b, place, resolve));
  });

  it('writes a header that names format, algorithm, key and version', () => {
    const sealed = sealField(dataKey(algorithm, 'subject.4711', 12), 'x', place);
    expect(readHeader(sealed)).toEqual({ format: 1, algorithm, keyId: 'subject.4711', version: 12 });
    expect(sealed).toMatch(/^og1:(a256gcm|sm4hsm3):subject\.4711:12:[A-Za-z0-9_-]+$/);
  });

  it('opens with the version the ciphertext names, not the newest', () => {
    const v1 = dataKey(algorithm, 'rotating', 1);
    const v2 = { ...dataKey(algorithm, 'rotating', 2) };
    const old = sealField(v1, 'old', place);
    expect(openFieldText(old, place, resolverOf(v2, v1))).toBe('old');
    expect(openFieldText(sealField(v2, 'new', place), place, resolverOf(v1, v2))).toBe('new');
  });

  it('fails to open under a different key with the same id and version', () => {
    const sealed = sealField(key, 'secret', place);
    const impostor = { ...key, material: createSecretKey(randomBytes(32)) };
    expect(caught(() => openField(sealed, place, resolverOf(impostor)))).toMatchObject({
      code: 'ERR_PRIVACY_CIPHERTEXT',
    });
  });

  it.each<[string, Partial<FieldContext>]>([
    ['another row', { row: '7f3c2a90-5d1e-4b8a-9c61-2f0e8d7b4a14' }],
    ['another column', { column: 'phone' }],
    ['another table', { table: 'staff' }],
  ])('refuses a ciphertext copied to %s', (_, change) => {
    const sealed = sealField(key, '11010519491231002X', place);
    const err = caught(() => openField(sealed, { ...place, ...change }, resolve));
    expect(err).toBeInstanceOf(PrivacyError);
    expect(err).toMatchObject({ code: 'ERR_PRIVACY_CIPHERTEXT' });
    expect((err as Error).message).toMatch(/^the value cannot be decrypted/);
  });

  it('keeps table, column and row apart: no shifting a boundary between them', () => {
    const sealed = sealField(key, 'v', { table: 'ab', column: 'c', row: '1' });
    for (const other of [
      { table: 'a', column: 'bc', row: '1' },
      { table: 'ab', column: '', row: 'c1' },
      { table: 'abc', column: '1', row: '' },
    ]) {
      expect(caught(() => openField(sealed, other, resolve))).toBeInstanceOf(PrivacyError);
    }
  });

  it('passes the resolver’s own errors through unchanged', () => {
    const sealed = sealField(key, 'v', place);
    const retired = new PrivacyError('ERR_PRIVACY_KEY_RETIRED', 'key version retired');
    expect(
      caught(() =>
        openField(sealed, place, () => {
          throw retired;
        }),
      ),
    ).toBe(retired);
    const outage = new Error('database unavailable');
    expect(
      caught(() =>
        openField(sealed, place, () => {
          throw outage;
        }),
      ),
    ).toBe(outage);
    expect(caught(() => openField(sealed, place, resolverOf()))).toMatchObject({
      code: 'ERR_PRIVACY_KEY_NOT_FOUND',
    });
  });

  it('refuses what a broken resolver returns instead of a data key, with a PrivacyError', () => {
    const sealed = sealField(key, 'v', place);
    const junk: unknown[] = [null, undefined, {}, { ...key, material: Buffer.alloc(32) }];
    for (const returned of junk) {
      expect(caught(() => openField(sealed, place, () => returned as DataKey))).toMatchObject({
        code: 'ERR_PRIVACY_INVALID',
      });
    }
  });

  it('does not ask for a key when the context is unusable', () => {
    const sealed = sealField(key, 'v', place);
    let asked = 0;
    const err = caught(() =>
      openField(sealed, { ...place, row: '' }, () => {
        asked++;
        return key;
      }),
    );
    expect(err).toMatchObject({ code: 'ERR_PRIVACY_INVALID' });
    expect(asked).toBe(0);
  });
});

describe('many keys, columns and rows interleaved', () => {
  it('opens each value in its own place, whatever was sealed or opened in between', () => {
    const keys = ALGORITHMS.flatMap((a) => [dataKey(a, `k.${a}`, 1), dataKey(a, `k.${a}`, 2)]);
    const resolve = resolverOf(...keys);
    const columns = ['phone', 'email', 'id_number'];
    const stored = Array.from({ length: 60 }, (_, i) => {
      const context = { table: i % 2 ? 'accounts' : 'staff', column: columns[i % 3]!, row: `row-${i}` };
      const value = `value ${i} ${'x'.repeat(i * 97)}`;
      return { context, value, sealed: sealField(keys[i % keys.length]!, value, context) };
    });
    for (const { context, value, sealed } of [...stored].reverse()) {
      expect(openFieldText(sealed, context, resolve)).toBe(value);
    }
    // Row i's ciphertext in row i+1's place: refused even though the previous call primed every cache.
    for (let i = 0; i + 1 < stored.length; i++) {
      expect(() => openField(stored[i]!.sealed, stored[i + 1]!.context, resolve)).toThrow(PrivacyError);
    }
  });

  it('opens a value with a resolver that itself seals and opens fields (re-entry)', () => {
    const key = dataKey('aes-256-gcm');
    const inner = dataKey('sm4-ctr-hmac-sm3', 'inner');
    const sealedInner = sealField(inner, 'inner value', { table: 'keys', column: 'wrapped', row: '1' });
    const sealed = sealField(key, 'outer value', place);
    const reentrant: KeyResolver = () => {
      sealField(inner, 'noise '.repeat(50), { table: 'other', column: 'other', row: 'other' });
      openFieldText(sealedInner, { table: 'keys', column: 'wrapped', row: '1' }, () => inner);
      return key;
    };
    expect(openFieldText(sealed, place, reentrant)).toBe('outer value');
  });
});

describe('field values and contexts that are refused before sealing', () => {
  const key = dataKey('aes-256-gcm');

  it.each<[string, unknown]>([
    ['an empty row', { ...place, row: '' }],
    ['a missing column', { table: 'accounts', row: '1' }],
    ['a numeric row', { ...place, row: 42 }],
    ['a lone surrogate in the row', { ...place, row: 'a\uD800' }],
    ['an oversized table name', { ...place, table: 't'.repeat(1025) }],
    ['no context at all', null],
  ])('refuses %s', (_, context) => {
    expect(caught(() => sealField(key, 'v', context as FieldContext))).toMatchObject({
      code: 'ERR_PRIVACY_INVALID',
    });
  });

  it('refuses text with a lone surrogate rather than altering it', () => {
    expect(caught(() => sealField(key, 'abc\uDC00', place))).toMatchObject({ code: 'ERR_PRIVACY_INVALID' });
  });

  it('refuses a value that is neither text nor bytes', () => {
    expect(caught(() => sealField(key, 42 as unknown as string, place))).toMatchObject({
      code: 'ERR_PRIVACY_INVALID',
    });
  });

  it.each<[string, Partial<DataKey>]>([
    ['a key id with the separator', { keyId: 'a:b' }],
    ['an empty key id', { keyId: '' }],
    ['a key id of 129 characters', { keyId: 'k'.repeat(129) }],
    ['version 0', { version: 0 }],
    ['a fractional version', { version: 1.5 }],
    ['a version above 2^31-1', { version: 2 ** 31 }],
    ['an unknown algorithm', { algorithm: 'aes-128-cbc' as CipherAlgorithm }],
    ['16 bytes of material', { material: createSecretKey(randomBytes(16)) }],
  ])('refuses a data key with %s', (_, change) => {
    expect(caught(() => sealField({ ...key, ...change }, 'v', place))).toMatchObject({
      code: 'ERR_PRIVACY_INVALID',
    });
  });

  it('does not serve a key prepared under one id to another id with the same material', () => {
    const renamed = { ...key, keyId: 'renamed', version: 9 };
    sealField(key, 'warm the cache', place);
    const sealed = sealField(renamed, 'v', place);
    expect(readHeader(sealed)).toMatchObject({ keyId: 'renamed', version: 9 });
    expect(openFieldText(sealed, place, resolverOf(renamed))).toBe('v');
  });

  it('tells bytes that are not text apart from a bad ciphertext', () => {
    const sealed = sealField(key, Buffer.from([0xff, 0xfe]), place);
    expect(caught(() => openFieldText(sealed, place, resolverOf(key)))).toMatchObject({
      code: 'ERR_PRIVACY_INVALID',
    });
  });
});
