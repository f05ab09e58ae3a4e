import * as argon2 from 'argon2';
import { describe, expect, it } from 'vitest';
import { IdentityError } from '../src/errors.ts';
import { MINIMUM_HASH_PARAMS, PasswordHasher } from '../src/passwords/index.ts';

const PASSWORD = 'correct horse battery staple';

// Made with the Argon2 reference implementation's CLI (P-H-C phc-winner-argon2, Debian package argon2
// 0~20171227): echo -n 'correct horse battery staple' | argon2 onegate-kat-salt -id -t 2 -k 19456 -p 1 -l 32 -e
const REFERENCE_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$b25lZ2F0ZS1rYXQtc2FsdA$NfsYRRnpya5R/nlkostrPSoQ9ufqyaiIP1rYFUQqWzk';
// The same with -t 1 -k 4096: a hash stored under weaker settings than today's.
const REFERENCE_WEAK_HASH =
  '$argon2id$v=19$m=4096,t=1,p=1$b25lZ2F0ZS1rYXQtc2FsdA$MywDNJsa+8v/le8JSsp4F2BRIMFqFy2lcAejMF54RHg';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it("uses OWASP's Argon2id minimum (m=19456 KiB, t=2, p=1) by default", () => {
    expect(hasher.params).toEqual({ memoryKiB: 19_456, timeCost: 2, parallelism: 1 });
    expect(MINIMUM_HASH_PARAMS).toEqual(hasher.params);
  });

  it('accepts the right password for hashes from the reference implementation', async () => {
    expect(await hasher.verify(REFERENCE_HASH, PASSWORD)).toBe(true);
    expect(await hasher.verify(REFERENCE_WEAK_HASH, PASSWORD)).toBe(true);
  });

  it('accepts the right password for a hash made by the argon2 package directly', async () => {
    const stored = await argon2.hash(PASSWORD, {
      type: argon2.argon2id,
      memoryCost: 19_456,
      timeCost: 2,
      parallelism: 1,
    });
    expect(await hasher.verify(stored, PASSWORD)).toBe(true);
  });

  it('reads the parameters in either order the two implementations write them', async () => {
    const packageOrder = REFERENCE_HASH.replace('m=19456,t=2,p=1', 'm=19456,p=1,t=2');
    expect(await hasher.verify(packageOrder, PASSWORD)).toBe(true);
    expect(hasher.needsRehash(packageOrder)).toBe(false);
  });

  it('answers false, without throwing, for a wrong password', async () => {
    expect(await hasher.verify(REFERENCE_HASH, 'correct horse battery stapler')).toBe(false);
    expect(await hasher.verify(REFERENCE_HASH, '')).toBe(false);
  });

  it('answers false, without throwing, for anything that is not an Argon2 hash', async () => {
    const malformed = [
      '',
      'not a hash',
      REFERENCE_HASH.slice(0, -10),
      REFERENCE_HASH.replace('m=19456', 'm=abc'),
      REFERENCE_HASH.replace('t=2', 'x=2'),
      REFERENCE_HASH.replace('p=1', 'p=1,p=1'),
      '$argon2id$v=19$m=19456,t=0,p=1$b25lZ2F0ZS1rYXQtc2FsdA$NfsYRRnpya5R/nlkostrPSoQ9ufqyaiIP1rYFUQqWzk',
      '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy',
      `${REFERENCE_HASH}\n`,
    ];
    for (const stored of malformed) expect(await hasher.verify(stored, PASSWORD)).toBe(false);
  });

  it('stores Argon2id v1.3 with the configured parameters, salted anew each time', async () => {
    const first = await hasher.hash(PASSWORD);
    const second = await hasher.hash(PASSWORD);
    expect(first).toMatch(/^\$argon2id\$v=19\$/);
    expect(first.split('$')[3]!.split(',').sort()).toEqual(['m=19456', 'p=1', 't=2']);
    expect(first).not.toBe(second);
    expect(await hasher.verify(first, PASSWORD)).toBe(true);
    expect(await hasher.verify(second, PASSWORD)).toBe(true);
  });

  it('matches a passphrase whether its accents arrive composed or decomposed', async () => {
    const composed = 'crème brûlée à la carte'.normalize('NFC');
    const stored = await hasher.hash(composed);
    expect(await hasher.verify(stored, composed.normalize('NFD'))).toBe(true);
  });

  it('asks for a rehash of hashes weaker than the configured parameters or not Argon2id v1.3', async () => {
    const weak = await argon2.hash(PASSWORD, {
      type: argon2.argon2id,
      memoryCost: 4096,
      timeCost: 1,
      parallelism: 1,
    });
    const argon2i = await argon2.hash(PASSWORD, {
      type: argon2.argon2i,
      memoryCost: 19_456,
      timeCost: 2,
      parallelism: 1,
    });
    expect(hasher.needsRehash(weak)).toBe(true);
    expect(hasher.needsRehash(REFERENCE_WEAK_HASH)).toBe(true);
    expect(hasher.needsRehash(argon2i)).toBe(true);
    expect(hasher.needsRehash(REFERENCE_HASH.replace('$v=19', ''))).toBe(true);
    expect(hasher.needsRehash('not a hash')).toBe(true);
  });

  it('does not ask for a rehash of a current hash, or of one stronger than configured', async () => {
    expect(hasher.needsRehash(await hasher.hash(PASSWORD))).toBe(false);
    expect(hasher.needsRehash(REFERENCE_HASH)).toBe(false);
    const stronger = await argon2.hash(PASSWORD, {
      type: argon2.argon2id,
      memoryCost: 32_768,
      timeCost: 3,
      parallelism: 1,
    });
    expect(hasher.needsRehash(stronger)).toBe(false);
  });

  it('asks for a rehash after the configured parameters are raised', async () => {
    const stronger = new PasswordHasher({ memoryKiB: 47_104, timeCost: 2 });
    expect(stronger.needsRehash(await hasher.hash(PASSWORD))).toBe(true);
  });

  it('refuses parameters below the minimum, or not whole numbers', () => {
    for (const params of [
      { memoryKiB: 4096 },
      { timeCost: 1 },
      { parallelism: 0 },
      { memoryKiB: 19_456.5 },
      { timeCost: Number.NaN },
    ]) {
      expect(() => new PasswordHasher(params)).toThrow(
        expect.objectContaining({ name: 'IdentityError', code: 'ERR_CONFIG_INVALID' }),
      );
    }
    expect(() => new PasswordHasher({ memoryKiB: 4096 })).toThrow(IdentityError);
  });

  it('keeps the default for a setting a configuration loader left undefined', () => {
    expect(new PasswordHasher({ memoryKiB: undefined }).params.memoryKiB).toBe(19_456);
  });

  it('answers false for an unknown account, whatever password is given', async () => {
    expect(await hasher.verifyDummy(PASSWORD)).toBe(false);
    expect(await hasher.verifyDummy('')).toBe(false);
  });
});
