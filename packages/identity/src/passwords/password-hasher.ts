import { randomBytes } from 'node:crypto';
import { argon2id, hash as argon2Hash, verify as argon2Verify } from 'argon2';
import { IdentityError } from '../errors.ts';

/** Argon2id cost: memory in KiB (m), passes (t) and lanes (p). */
export interface PasswordHashParams {
  memoryKiB: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP Password Storage Cheat Sheet, Argon2id: m=19456 (19 MiB), t=2, p=1. The default and the floor. */
export const MINIMUM_HASH_PARAMS: Readonly<PasswordHashParams> = Object.freeze({
  memoryKiB: 19_456,
  timeCost: 2,
  parallelism: 1,
});

/** Guards against a typo in the configuration exhausting memory at the first sign-in. */
const MAXIMUM_MEMORY_KIB = 4 * 1024 * 1024;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const ARGON2_VERSION = 0x13;

/**
 * `$argon2id$v=19$m=…,t=…,p=…$salt$hash` (PHC string format). The parameters
 * come in any order (the `argon2` package writes `m,p,t`, the reference CLI
 * `m,t,p`); argon2 1.0 hashes have no `v=`.
 */
const PHC_ARGON2 =
  /^\$(argon2id|argon2i|argon2d)\$(?:v=(\d+)\$)?([a-z]+=[A-Za-z0-9+/]*(?:,[a-z]+=[A-Za-z0-9+/]*)*)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

interface Argon2Hash {
  id: string;
  version: number;
  m: number;
  t: number;
  p: number;
  saltBytes: number;
  hashBytes: number;
}

function parseArgon2(stored: string): Argon2Hash | undefined {
  const match = PHC_ARGON2.exec(stored);
  if (!match) return undefined;
  const [, id, version, list, salt, hash] = match;
  const params = new Map<string, string>();
  for (const pair of list!.split(',')) {
    const [name = '', value = ''] = pair.split('=');
    if (params.has(name) || !['m', 't', 'p', 'data'].includes(name)) return undefined;
    params.set(name, value);
  }
  const [m, t, p] = ['m', 't', 'p'].map((name) => params.get(name));
  if (![m, t, p].every((value) => value !== undefined && /^\d{1,10}$/.test(value))) return undefined;
  return {
    id: id!,
    version: Number(version ?? 0x10),
    m: Number(m),
    t: Number(t),
    p: Number(p),
    saltBytes: base64Bytes(salt!),
    hashBytes: base64Bytes(hash!),
  };
}

/**
 * Hashes and verifies passwords with Argon2id. Passwords are NFC-normalized
 * first, as the password policy counts them, so a passphrase typed where
 * accents arrive decomposed still matches.
 */
export class PasswordHasher {
  readonly params: Readonly<PasswordHashParams>;
  #dummyHash: Promise<string> | undefined;

  constructor(params: Partial<PasswordHashParams> = {}) {
    // A setting left `undefined` by a configuration loader keeps its default.
    const given = Object.entries(params).filter(([, value]) => value !== undefined);
    this.params = Object.freeze(checkParams({ ...MINIMUM_HASH_PARAMS, ...Object.fromEntries(given) }));
  }

  /** A PHC string with a fresh 16-byte salt, to store as is. */
  hash(password: string): Promise<string> {
    return argon2Hash(password.normalize('NFC'), {
      type: argon2id,
      memoryCost: this.params.memoryKiB,
      timeCost: this.params.timeCost,
      parallelism: this.params.parallelism,
      hashLength: HASH_BYTES,
    });
  }

  /** False for a wrong password and for anything that is not an Argon2 hash; never throws. */
  async verify(storedHash: string, password: string): Promise<boolean> {
    if (!parseArgon2(storedHash)) return false;
    try {
      return await argon2Verify(storedHash, password.normalize('NFC'));
    } catch {
      // Well-formed text with impossible parameters (t=0, m below 8·p): nothing can match it.
      return false;
    }
  }

  /**
   * True when the stored hash is weaker than the configured parameters, or not
   * Argon2id v1.3 with a full-size salt and hash: rehash after the next
   * successful sign-in, while the password is at hand.
   */
  needsRehash(storedHash: string): boolean {
    const parsed = parseArgon2(storedHash);
    return (
      !parsed ||
      parsed.id !== 'argon2id' ||
      parsed.version !== ARGON2_VERSION ||
      parsed.m < this.params.memoryKiB ||
      parsed.t < this.params.timeCost ||
      parsed.p < this.params.parallelism ||
      parsed.saltBytes < SALT_BYTES ||
      parsed.hashBytes < HASH_BYTES
    );
  }

  /**
   * Spends one verification on a fixed hash made with the same parameters, for
   * a username that has no account, so the answer takes as long as for one that
   * has (no account enumeration by timing). Always false.
   */
  async verifyDummy(password: string): Promise<false> {
    await this.verify(await this.#dummy(), password);
    return false;
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= this.hash(randomBytes(32).toString('base64url')).catch((err: unknown) => {
      this.#dummyHash = undefined;
      throw err;
    });
    return this.#dummyHash;
  }
}

function checkParams(params: PasswordHashParams): PasswordHashParams {
  for (const name of ['memoryKiB', 'timeCost', 'parallelism'] as const) {
    const value = params[name];
    const minimum = MINIMUM_HASH_PARAMS[name];
    if (!Number.isSafeInteger(value) || value < minimum) {
      throw new IdentityError(
        'ERR_CONFIG_INVALID',
        `password hashing ${name} must be a whole number of at least ${minimum} (OWASP's minimum for Argon2id)`,
      );
    }
  }
  if (params.memoryKiB > MAXIMUM_MEMORY_KIB) {
    throw new IdentityError(
      'ERR_CONFIG_INVALID',
      `password hashing memoryKiB must be at most ${MAXIMUM_MEMORY_KIB}`,
    );
  }
  if (params.memoryKiB < 8 * params.parallelism) {
    throw new IdentityError(
      'ERR_CONFIG_INVALID',
      'password hashing memoryKiB must be at least 8 × parallelism (an Argon2 rule)',
    );
  }
  return params;
}

/** Length in bytes of unpadded base64, as PHC strings write salts and hashes. */
function base64Bytes(text: string): number {
  return Math.floor((text.length * 3) / 4);
}
