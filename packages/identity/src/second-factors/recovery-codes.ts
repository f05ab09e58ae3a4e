import { createHmac, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { MigrationSet, Store } from '@onegate/store';
import { IdentityError } from '../errors.ts';

const table = (time: string) => `CREATE TABLE identity_recovery_codes (
  account_id TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  created_at ${time} NOT NULL,
  PRIMARY KEY (account_id, code_hash)
);`;

/** An account's unused recovery codes, as HMACs only; a code's row is deleted when it is used. */
export const recoveryCodeMigrations: MigrationSet = {
  owner: 'identity-recovery',
  migrations: [
    {
      version: 1,
      name: 'recovery codes',
      up: { sqlite: table('INTEGER'), postgres: table('BIGINT') },
    },
  ],
};

export const RECOVERY_CODE_COUNT = 10;
/**
 * Crockford's base32: digits and capitals without I, L, O and U. Typed I, L
 * and O are read as 1, 1 and 0, so the look-alikes cannot be mistyped.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/**
 * 24 characters of 5 bits: 120 bits each, shown as `7K3Q-9XMD-2PFA-…` in six
 * groups. At 112 bits or more a keyed hash is enough to store a lookup
 * secret (ASVS 6.5.2); below, it would take a salted password hash.
 */
const CODE_CHARS = 24;
/** Codes made before 2026-11-27 had 12 characters (60 bits): they still work until replaced. */
const LEGACY_CODE_CHARS = 12;
const GROUP_CHARS = 4;
const MIN_PEPPER_BYTES = 32;

export interface RecoveryCodesOptions {
  store: Store;
  /** A secret key for the HMAC, e.g. `deriveKey(masterKey, 'recovery-codes')`; never stored. */
  pepper: KeyObject;
}

/**
 * One-time codes for when the authenticator is lost. Codes are stored as
 * HMAC-SHA256 under a pepper, not with a slow password hash: at 120 random
 * bits a code cannot be guessed from its hash by trying, the way a
 * human-chosen password can, and without the pepper not even a guess can be
 * checked. Guessing at sign-in is for the caller to throttle.
 */
export class RecoveryCodes {
  readonly #store: Store;
  readonly #pepper: KeyObject;

  constructor(options: RecoveryCodesOptions) {
    if (options.pepper.type !== 'secret' || (options.pepper.symmetricKeySize ?? 0) < MIN_PEPPER_BYTES) {
      throw new IdentityError(
        'ERR_KEY_UNAVAILABLE',
        'the recovery code pepper must be a secret key of 32 bytes or more',
      );
    }
    this.#store = options.store;
    this.#pepper = options.pepper;
  }

  /** Replaces all of the account's codes with fresh ones, returned this once for the user to keep. */
  async regenerate(accountId: string, nowMs = Date.now()): Promise<string[]> {
    const codes = new Set<string>();
    while (codes.size < RECOVERY_CODE_COUNT) codes.add(randomCode());
    await this.#store.transaction(async (tx) => {
      await tx.exec('DELETE FROM identity_recovery_codes WHERE account_id = $1', [accountId]);
      for (const code of codes) {
        await tx.exec(
          'INSERT INTO identity_recovery_codes (account_id, code_hash, created_at) VALUES ($1, $2, $3)',
          [accountId, this.#hash(accountId, code).toString('base64url'), nowMs],
        );
      }
    });
    return [...codes].map(formatCode);
  }

  /**
   * True if `code` is one of the account's unused codes, which it then no
   * longer is. Case, spaces and dashes do not matter. The DELETE decides: of
   * two requests using one code at once, only one deletes the row.
   */
  async use(accountId: string, code: string): Promise<boolean> {
    const normalized = normalizeCode(code);
    if (normalized === undefined) return false;
    const given = this.#hash(accountId, normalized);
    const rows = await this.#store.query<{ code_hash: string }>(
      'SELECT code_hash FROM identity_recovery_codes WHERE account_id = $1',
      [accountId],
    );
    // Compare against every row, so timing does not tell how far the search went.
    let match: string | undefined;
    for (const row of rows) {
      const stored = Buffer.from(row.code_hash, 'base64url');
      if (stored.length === given.length && timingSafeEqual(stored, given)) match = row.code_hash;
    }
    if (match === undefined) return false;
    const deleted = await this.#store.exec(
      'DELETE FROM identity_recovery_codes WHERE account_id = $1 AND code_hash = $2',
      [accountId, match],
    );
    return deleted === 1;
  }

  /** How many unused codes the account has: worth a warning when few are left. */
  async remaining(accountId: string): Promise<number> {
    const row = await this.#store.one<{ n: number }>(
      'SELECT COUNT(*) AS n FROM identity_recovery_codes WHERE account_id = $1',
      [accountId],
    );
    return Number(row.n);
  }

  /**
   * The account id is part of the MAC, so a hash copied into another account's
   * rows (by someone who can write to the database) does not work there.
   */
  #hash(accountId: string, normalizedCode: string): Buffer {
    return createHmac('sha256', this.#pepper)
      .update(`recovery-code\0${accountId}\0${normalizedCode}`, 'utf8')
      .digest();
  }
}

/** Uniform characters: 256 is a multiple of 32, so the low 5 bits of each byte carry no bias. */
function randomCode(): string {
  let code = '';
  for (const byte of randomBytes(CODE_CHARS)) code += ALPHABET[byte & 31];
  return code;
}

function formatCode(code: string): string {
  const groups: string[] = [];
  for (let i = 0; i < code.length; i += GROUP_CHARS) groups.push(code.slice(i, i + GROUP_CHARS));
  return groups.join('-');
}

/**
 * The code as stored, or `undefined` if it cannot be one. NFKC turns
 * full-width characters from a Chinese input method into ASCII; spaces and
 * dashes are separators only.
 */
function normalizeCode(input: string): string | undefined {
  const code = input
    .normalize('NFKC')
    .replace(/[\s\-‐‑‒–—―]+/g, '')
    .toUpperCase()
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
  if (code.length !== CODE_CHARS && code.length !== LEGACY_CODE_CHARS) return undefined;
  for (const char of code) if (!ALPHABET.includes(char)) return undefined;
  return code;
}
