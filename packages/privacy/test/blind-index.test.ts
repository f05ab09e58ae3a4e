import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blindIndex, columnIndexer, columnIndexKey, DEFAULT_INDEX_BITS, PrivacyError } from '../src/index.ts';
import { normalizerFor } from '../src/validators/normalize.ts';

const ROOT_HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const root = createSecretKey(Buffer.from(ROOT_HEX, 'hex'));

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** RFC 5869 by hand from HMAC (not hkdfSync), empty salt, one or two blocks. */
function hkdf(hash: 'sha256' | 'sm3', ikm: Buffer, info: Buffer, length: number): Buffer {
  const prk = createHmac(hash, Buffer.alloc(32)).update(ikm).digest();
  let t = Buffer.alloc(0);
  const out: Buffer[] = [];
  for (let i = 1; out.length * 32 < length; i++) {
    t = createHmac(hash, prk)
      .update(Buffer.concat([t, info, Buffer.of(i)]))
      .digest();
    out.push(t);
  }
  return Buffer.concat(out).subarray(0, length);
}

/** info = lp("onegate blind-index v1") ‖ lp(table) ‖ lp(column), as documented. */
const INFO = Buffer.from(
  '000000166f6e656761746520626c696e642d696e646578207631000000086163636f756e74730000000570686f6e65',
  'hex',
);

describe('columnIndexKey and blindIndex: known answers', () => {
  // Expected values computed with the OpenSSL 3 CLI, e.g.
  //   openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:<root> -kdfopt hexinfo:<INFO> HKDF
  //   printf 13812341234 | openssl mac -digest SHA256 -macopt hexkey:<column key> HMAC
  it.each([
    [
      'sha256',
      'hmac-sha256',
      '2b85f5d8d4b08f955e26f4f90acaba12a677c771716fec7aa2e532d6a17e8e67',
      'e3c03c4bb22679dc63b41d6f088e5d47f0b063439d4b2f2a483f37f0969172ac',
    ],
    [
      'sm3',
      'hmac-sm3',
      '7feae60d566efc79618c98a56d17602f6927c750cdd7e3a960ca04c0ec758d88',
      '2d9106cb1cc87c6132f7b994026b2f551cc275289f8d40e4f17c4998b269f6c4',
    ],
  ] as const)('HKDF-%s column key and %s index', (hash, algorithm, columnKeyHex, macHex) => {
    const key = columnIndexKey(root, 'accounts', 'phone', { hash });
    expect(key.export().toString('hex')).toBe(columnKeyHex);
    expect(hkdf(hash, Buffer.from(ROOT_HEX, 'hex'), INFO, 32).toString('hex')).toBe(columnKeyHex);
    const mac = Buffer.from(macHex, 'hex');
    expect(blindIndex(key, '13812341234', { algorithm, bits: 256 })).toBe(mac.toString('base64url'));
    expect(blindIndex(key, '13812341234', { algorithm })).toBe(mac.subarray(0, 16).toString('base64url'));
    expect(blindIndex(key, '13812341234', { algorithm, bits: 32 })).toBe(
      mac.subarray(0, 4).toString('base64url'),
    );
  });
});

describe('blindIndex', () => {
  const phone = columnIndexKey(root, 'accounts', 'phone');

  it('is deterministic: the same value always gives the same index', () => {
    expect(blindIndex(phone, '13812341234')).toBe(
      blindIndex(columnIndexKey(root, 'accounts', 'phone'), '13812341234'),
    );
    expect(blindIndex(phone, '13812341234')).not.toBe(blindIndex(phone, '13812341235'));
  });

  it('gives unrelated indexes for the same value in another column, table or under another root', () => {
    const indexes = [
      blindIndex(phone, '13812341234'),
      blindIndex(columnIndexKey(root, 'accounts', 'emergency_phone'), '13812341234'),
      blindIndex(columnIndexKey(root, 'staff', 'phone'), '13812341234'),
      blindIndex(columnIndexKey(createSecretKey(randomBytes(32)), 'accounts', 'phone'), '13812341234'),
    ];
    expect(new Set(indexes).size).toBe(indexes.length);
  });

  it('keeps table and column apart in the key derivation', () => {
    const a = columnIndexKey(root, 'ab', 'c').export();
    const b = columnIndexKey(root, 'a', 'bc').export();
    expect(a.equals(b)).toBe(false);
  });

  it('is keyed: it is not the plain hash of the value', () => {
    const plain = createHmac('sha256', Buffer.alloc(0))
      .update('13812341234')
      .digest()
      .toString('base64url', 0, 16);
    expect(blindIndex(phone, '13812341234')).not.toBe(plain);
  });

  it.each([
    [32, 6],
    [64, 11],
    [DEFAULT_INDEX_BITS, 22],
    [200, 34],
    [256, 43],
  ])('keeps %i bits: %i base64url characters, a prefix of the full HMAC', (bits, chars) => {
    const full = Buffer.from(blindIndex(phone, '11010519491231002X', { bits: 256 }), 'base64url');
    const index = blindIndex(phone, '11010519491231002X', { bits });
    expect(index).toHaveLength(chars);
    expect(Buffer.from(index, 'base64url').equals(full.subarray(0, bits / 8))).toBe(true);
  });

  it('uses 128 bits unless told otherwise', () => expect(DEFAULT_INDEX_BITS).toBe(128));

  it('differs between HMAC-SHA256 and HMAC-SM3', () => {
    expect(blindIndex(phone, 'x', { algorithm: 'hmac-sm3' })).not.toBe(blindIndex(phone, 'x'));
  });

  it.each([0, 8, 24, 33, 100, 264, 1.5, Number.NaN])('refuses %s bits', (bits) => {
    expect(caught(() => blindIndex(phone, 'x', { bits }))).toMatchObject({ code: 'ERR_PRIVACY_INVALID' });
  });

  it.each<[string, () => unknown]>([
    ['an empty value', () => blindIndex(phone, '')],
    ['a lone surrogate', () => blindIndex(phone, '\uD83D')],
    ['an unknown algorithm', () => blindIndex(phone, 'x', { algorithm: 'hmac-md5' as 'hmac-sm3' })],
    ['a key that is not a KeyObject', () => blindIndex(Buffer.alloc(32) as unknown as KeyObject, 'x')],
    ['a root key under 32 bytes', () => columnIndexKey(createSecretKey(randomBytes(16)), 'a', 'b')],
    ['an empty column name', () => columnIndexKey(root, 'accounts', '')],
    ['a table name over 255 bytes', () => columnIndexKey(root, '表'.repeat(86), 'phone')],
    ['an unknown HKDF hash', () => columnIndexKey(root, 'a', 'b', { hash: 'md5' as 'sm3' })],
  ])('refuses %s', (_, fn) => {
    const err = caught(fn);
    expect(err).toBeInstanceOf(PrivacyError);
    expect(err).toMatchObject({ code: 'ERR_PRIVACY_INVALID' });
  });
});

describe('columnIndexer', () => {
  // A stand-in normalizer: mainland mobile without spaces or the +86 prefix.
  const normalize = (value: string) => value.replace(/[\s-]/g, '').replace(/^\+86/, '');

  it('indexes every spelling of a value alike, with the column key derived once', () => {
    const index = columnIndexer({ root, table: 'accounts', column: 'phone', normalize });
    expect(index('+86 138-1234-1234')).toBe(index('13812341234'));
    expect(index('13812341234')).toBe(blindIndex(columnIndexKey(root, 'accounts', 'phone'), '13812341234'));
  });

  it('takes the validators’ normalizer for a kind of personal data', () => {
    const index = columnIndexer({
      root,
      table: 'accounts',
      column: 'phone',
      normalize: normalizerFor('mobile'),
    });
    expect(index('+86 138 1234 1234')).toBe(index('13812341234'));
    expect(index('0086-13812341234')).toBe(index('13812341234'));
  });

  it('in GM mode uses HKDF-SM3 and HMAC-SM3', () => {
    const index = columnIndexer({
      root,
      table: 'accounts',
      column: 'phone',
      normalize,
      algorithm: 'hmac-sm3',
      bits: 64,
    });
    const key = columnIndexKey(root, 'accounts', 'phone', { hash: 'sm3' });
    expect(index('+8613812341234')).toBe(blindIndex(key, '13812341234', { algorithm: 'hmac-sm3', bits: 64 }));
  });

  it('passes the normalizer’s refusal through', () => {
    const refusal = new PrivacyError('ERR_PRIVACY_INVALID', 'not a mobile number');
    const index = columnIndexer({
      root,
      table: 'accounts',
      column: 'phone',
      normalize: () => {
        throw refusal;
      },
    });
    expect(caught(() => index('x'))).toBe(refusal);
  });
});
