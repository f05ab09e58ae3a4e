import type { KeyObject } from 'node:crypto';
import { sealField, type DataKey, type Keyring } from '@onegate/privacy';
import { isStoreError, type Queryable, type Store, type Transaction } from '@onegate/store';
import { IdentityError } from '../errors.ts';
import { SIGNING_KEY_PRIVATE_JWK } from '../personal-data/encrypted-columns.ts';
import { FieldSealer } from '../personal-data/field-sealer.ts';
import { jwkThumbprint } from './jwk-thumbprint.ts';
import { isSealedBox, open } from './sealed-box.ts';
import {
  SIGNING_ALGS,
  generateSigningKey,
  isSigningAlg,
  keyMatchesAlg,
  toPublicJwk,
  type SigningAlg,
  type SigningJwk,
} from './signing-algorithms.ts';

/** Published (inside its transaction) on every state change; each process reloads its provider keys. */
export const SIGNING_KEYS_TOPIC = 'identity.keys';

/**
 * `next`: published, not signing yet. `current`: signs. `previous`: published
 * for verification until `retireAfter`. `retired`: row kept, private part gone.
 */
export type SigningKeyState = 'next' | 'current' | 'previous' | 'retired';

export interface SigningKeyInfo {
  kid: string;
  alg: SigningAlg;
  state: SigningKeyState;
  createdAt: number;
  promotedAt?: number;
  retireAfter?: number;
  retiredAt?: number;
}

export interface LoadedSigningKeys {
  /** Private JWKs for the provider's `jwks`: every current key first, then next, then previous. */
  keys: SigningJwk[];
  /** The same keys without private members, in the same order: what relying parties may fetch. */
  publicJwks: SigningJwk[];
}

export type RotateResult =
  { step: 'published'; kid: string } | { step: 'promoted'; kid: string; previousKid: string };

export interface SigningKeysOptions {
  store: Store;
  /** Seals the private JWKs under `identity.signing_keys.private_jwk`. */
  keyring: Keyring;
  /** Opens private JWKs sealed before the keyring (`v1.` sealed boxes); see `loadMasterKey`. */
  masterKey: KeyObject;
  /** Epoch ms; injectable for tests. */
  now?: () => number;
}

interface KeyRow {
  kid: string;
  alg: string;
  state: string;
  sealed_private_jwk: string | null;
  created_at: number;
  promoted_at: number | null;
  retire_after: number | null;
  retired_at: number | null;
}

const STATE_ORDER: Readonly<Record<string, number>> = { current: 0, next: 1, previous: 2 };
/** Arbitrary constant: PostgreSQL advisory lock serializing key changes across processes. */
const KEYS_LOCK = 0x6b657973;
const ENSURE_ATTEMPTS = 3;

/**
 * The provider's signing keys, kept in the store (`identityKeysMigrations`) with
 * their private parts sealed under the keyring (keys made before the keyring:
 * under the master key, until `resealLegacy`). Every change runs under one
 * lock per database, so concurrent processes cannot leave two current keys.
 */
export class SigningKeys {
  readonly #store: Store;
  readonly #sealer: FieldSealer;
  readonly #masterKey: KeyObject;
  readonly #now: () => number;

  constructor(options: SigningKeysOptions) {
    this.#store = options.store;
    this.#sealer = new FieldSealer(options.keyring);
    this.#masterKey = options.masterKey;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Reseals under the keyring every private JWK still in a master-key sealed
   * box; returns how many. The key itself stays the same (same kid), so
   * nothing is republished.
   */
  async resealLegacy(): Promise<number> {
    const rows = await this.#store.query<KeyRow>(
      `SELECT kid, alg, state, sealed_private_jwk, created_at, promoted_at, retire_after, retired_at
       FROM identity_signing_keys WHERE sealed_private_jwk LIKE 'v1.%'`,
    );
    let resealed = 0;
    for (const row of rows) {
      await this.#unseal(row); // the key it says it is, or ERR_KEY_UNAVAILABLE
      const plaintext = await this.#open(row.kid, row.sealed_private_jwk!);
      resealed += await this.#store.exec(
        'UPDATE identity_signing_keys SET sealed_private_jwk = $3 WHERE kid = $1 AND sealed_private_jwk = $2',
        [
          row.kid,
          row.sealed_private_jwk,
          await this.#sealer.seal(SIGNING_KEY_PRIVATE_JWK, row.kid, plaintext),
        ],
      );
    }
    return resealed;
  }

  /** Creates a current key for each algorithm that has none; returns what it created. */
  async ensure(algs: readonly SigningAlg[]): Promise<Array<{ alg: SigningAlg; kid: string }>> {
    // A fixed order: two writers inserting in opposite orders could deadlock on the unique index.
    const wanted = [...new Set(algs.map(checkAlg))].sort((a, b) => algOrder(a) - algOrder(b));
    for (let attempt = 1; ; attempt++) {
      const missing = await missingCurrent(this.#store, wanted);
      if (missing.length === 0) return [];
      // Generated before the transaction, so no lock is held while RSA primes are found.
      const fresh = await Promise.all(missing.map((alg) => generateSigningKey(alg)));
      // Fetched (made on first use) before the transaction too: the keyring writes in its own.
      const sealKey = await this.#sealer.key(SIGNING_KEY_PRIVATE_JWK);
      try {
        return await this.#store.transaction(async (tx) => {
          await lockKeys(tx);
          const stillMissing = new Set(await missingCurrent(tx, missing));
          const created: Array<{ alg: SigningAlg; kid: string }> = [];
          for (const key of fresh) {
            if (!stillMissing.has(key.publicJwk.alg)) continue;
            await this.#insert(tx, key, 'current', sealKey);
            created.push({ alg: key.publicJwk.alg, kid: key.publicJwk.kid });
          }
          if (created.length > 0) await tx.notify(SIGNING_KEYS_TOPIC);
          return created;
        });
      } catch (err) {
        // Another process inserted the same algorithm's key first, or held the lock too long: look again.
        const retry = isStoreError(err, 'ERR_STORE_CONFLICT') || isStoreError(err, 'ERR_STORE_BUSY');
        if (attempt >= ENSURE_ATTEMPTS || !retry) throw err;
      }
    }
  }

  /**
   * One step of a two-step rotation. Without a next key, creates and publishes
   * one. With one, promotes it to current and keeps the old current key
   * published as previous for `verifyFor` ms (the longest lifetime of anything
   * it signed). Call the second step only once relying parties' JWKS caches
   * have had time to pick up the first.
   */
  async rotate(options: { alg: SigningAlg; verifyFor: number }): Promise<RotateResult> {
    const alg = checkAlg(options.alg);
    const { verifyFor } = options;
    if (!Number.isSafeInteger(verifyFor) || verifyFor <= 0) {
      throw new IdentityError('ERR_KEY_UNAVAILABLE', 'verifyFor must be a positive number of milliseconds');
    }
    const hasNext = await this.#store.maybeOne(
      "SELECT kid FROM identity_signing_keys WHERE alg = $1 AND state = 'next'",
      [alg],
    );
    const fresh = hasNext ? undefined : await generateSigningKey(alg);
    const sealKey = await this.#sealer.key(SIGNING_KEY_PRIVATE_JWK);
    return this.#store.transaction(async (tx) => {
      await lockKeys(tx);
      const rows = await tx.query<{ kid: string; state: string }>(
        "SELECT kid, state FROM identity_signing_keys WHERE alg = $1 AND state IN ('current', 'next')",
        [alg],
      );
      const current = rows.find((r) => r.state === 'current');
      const next = rows.find((r) => r.state === 'next');
      // Without a current key a next key would be the first of its algorithm, and would sign at once.
      if (!current) {
        throw new IdentityError('ERR_KEY_UNAVAILABLE', `there is no current ${alg} key to rotate`);
      }
      if (!next) {
        // `fresh` is missing only if another process promoted a next key meanwhile.
        const key = fresh ?? (await generateSigningKey(alg));
        await this.#insert(tx, key, 'next', sealKey);
        await tx.notify(SIGNING_KEYS_TOPIC);
        return { step: 'published', kid: key.publicJwk.kid };
      }
      const now = this.#now();
      // Demote before promoting: the one-current-key index is checked row by row.
      await tx.exec("UPDATE identity_signing_keys SET state = 'previous', retire_after = $2 WHERE kid = $1", [
        current.kid,
        now + verifyFor,
      ]);
      await tx.exec("UPDATE identity_signing_keys SET state = 'current', promoted_at = $2 WHERE kid = $1", [
        next.kid,
        now,
      ]);
      await tx.notify(SIGNING_KEYS_TOPIC);
      return { step: 'promoted', kid: next.kid, previousKid: current.kid };
    });
  }

  /** Retires previous keys whose `retireAfter` has passed and deletes their private parts. */
  async retireExpired(): Promise<string[]> {
    const now = this.#now();
    const due = await this.#store.maybeOne(
      "SELECT kid FROM identity_signing_keys WHERE state = 'previous' AND retire_after <= $1",
      [now],
    );
    if (!due) return []; // the usual case: no write lock taken
    return this.#store.transaction(async (tx) => {
      await lockKeys(tx);
      const retired = await tx.query<{ kid: string }>(
        `UPDATE identity_signing_keys SET state = 'retired', sealed_private_jwk = NULL, retired_at = $1
         WHERE state = 'previous' AND retire_after <= $1 RETURNING kid`,
        [now],
      );
      if (retired.length > 0) await tx.notify(SIGNING_KEYS_TOPIC);
      return retired.map((r) => r.kid).sort();
    });
  }

  /**
   * The keys for the provider. oidc-provider signs with the first key of a
   * matching algorithm, so each current key comes before any next or previous
   * key. Published keys come from the sealed private JWKs, not from a plain
   * column, so a database writer without the master key cannot publish a key.
   */
  async load(): Promise<LoadedSigningKeys> {
    const now = this.#now();
    const rows = await this.#store.query<KeyRow>(
      `SELECT kid, alg, state, sealed_private_jwk, created_at, promoted_at, retire_after, retired_at
       FROM identity_signing_keys WHERE state IN ('current', 'next', 'previous')`,
    );
    const live = rows
      .filter((r) => r.state !== 'previous' || (r.retire_after !== null && Number(r.retire_after) > now))
      .sort(
        (a, b) =>
          STATE_ORDER[a.state]! - STATE_ORDER[b.state]! ||
          algOrder(a.alg) - algOrder(b.alg) ||
          Number(b.created_at) - Number(a.created_at),
      );
    if (!live.some((r) => r.state === 'current')) {
      throw new IdentityError('ERR_NOT_INITIALIZED', 'no signing keys: run `onegate init`');
    }
    const keys = await Promise.all(live.map((row) => this.#unseal(row)));
    return { keys, publicJwks: keys.map(toPublicJwk) };
  }

  /** Every key, oldest first, for `onegate keys list`. */
  async list(): Promise<SigningKeyInfo[]> {
    const rows = await this.#store.query<KeyRow>(
      `SELECT kid, alg, state, sealed_private_jwk, created_at, promoted_at, retire_after, retired_at
       FROM identity_signing_keys ORDER BY created_at, kid`,
    );
    return rows.map((row) => {
      const info: SigningKeyInfo = {
        kid: row.kid,
        alg: row.alg as SigningAlg,
        state: row.state as SigningKeyState,
        createdAt: Number(row.created_at),
      };
      if (row.promoted_at !== null) info.promotedAt = Number(row.promoted_at);
      if (row.retire_after !== null) info.retireAfter = Number(row.retire_after);
      if (row.retired_at !== null) info.retiredAt = Number(row.retired_at);
      return info;
    });
  }

  async #insert(
    tx: Transaction,
    key: { privateJwk: SigningJwk; publicJwk: SigningJwk },
    state: 'current' | 'next',
    sealKey: DataKey,
  ): Promise<void> {
    const { kid, alg } = key.publicJwk;
    const now = this.#now();
    await tx.exec(
      `INSERT INTO identity_signing_keys (kid, alg, state, public_jwk, sealed_private_jwk, created_at, promoted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        kid,
        alg,
        state,
        JSON.stringify(key.publicJwk),
        sealField(sealKey, JSON.stringify(key.privateJwk), SIGNING_KEY_PRIVATE_JWK.context({ id: kid })),
        now,
        state === 'current' ? now : null,
      ],
    );
  }

  /** Opens a private JWK and checks it is the key its row says it is. */
  async #unseal(row: KeyRow): Promise<SigningJwk> {
    try {
      if (row.sealed_private_jwk === null || !isSigningAlg(row.alg)) throw new Error('incomplete row');
      const plaintext = await this.#open(row.kid, row.sealed_private_jwk);
      const jwk = JSON.parse(plaintext.toString('utf8')) as SigningJwk | null;
      if (typeof jwk !== 'object' || jwk === null || typeof jwk.d !== 'string') throw new Error('not a JWK');
      if (!keyMatchesAlg(jwk, row.alg) || jwkThumbprint(jwk) !== row.kid) throw new Error('wrong key');
      return { ...jwk, kid: row.kid, alg: row.alg, use: 'sig' };
    } catch (err) {
      throw new IdentityError(
        'ERR_KEY_UNAVAILABLE',
        `signing key ${row.kid} cannot be opened: are these the privacy key-encryption key and master key it was sealed with?`,
        { cause: err },
      );
    }
  }

  /** A keyring envelope, or a sealed box from before the keyring. */
  async #open(kid: string, sealed: string): Promise<Buffer> {
    return isSealedBox(sealed)
      ? open(this.#masterKey, sealed, sealAad(kid))
      : this.#sealer.open(SIGNING_KEY_PRIVATE_JWK, kid, sealed);
  }
}

/** The associated data of a private JWK in a master-key sealed box. */
function sealAad(kid: string): string {
  return `signing-key:${kid}`;
}

async function missingCurrent(db: Queryable, algs: readonly SigningAlg[]): Promise<SigningAlg[]> {
  const rows = await db.query<{ alg: string }>(
    "SELECT alg FROM identity_signing_keys WHERE state = 'current'",
  );
  const have = new Set(rows.map((r) => r.alg));
  return algs.filter((alg) => !have.has(alg));
}

/** SQLite's `BEGIN IMMEDIATE` already lets one writer in at a time; PostgreSQL needs a lock for that. */
async function lockKeys(tx: Transaction): Promise<void> {
  if (tx.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [KEYS_LOCK]);
}

function checkAlg(alg: unknown): SigningAlg {
  if (!isSigningAlg(alg)) {
    throw new IdentityError('ERR_KEY_UNAVAILABLE', `signing algorithms are ${SIGNING_ALGS.join(', ')}`);
  }
  return alg;
}

function algOrder(alg: string): number {
  return (SIGNING_ALGS as readonly string[]).indexOf(alg);
}
