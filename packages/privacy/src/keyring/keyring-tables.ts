import type { Queryable, Transaction } from '@onegate/store';
import type { CipherAlgorithm } from '../field-types.ts';
import type { KeyPurpose } from './key-ids.ts';

/** `primary` encrypts (one per chain); `decrypt-only` opens old data; `retired` opens nothing. */
export type KeyState = 'primary' | 'decrypt-only' | 'retired';

export interface ChainRow {
  key_id: string;
  purpose: KeyPurpose;
  algorithm: CipherAlgorithm;
  min_version: number;
  first_version: number;
  created_at: number;
  updated_at: number;
}

export interface VersionRow {
  key_id: string;
  version: number;
  algorithm: CipherAlgorithm;
  state: KeyState;
  kek_id: string;
  /** `null` once destroyed. */
  wrapped: Buffer | null;
  created_at: number;
  updated_at: number;
  destroyed_at: number | null;
}

export interface TombstoneRow {
  key_id: string;
  purpose: KeyPurpose;
  shredded_through: number;
  versions_destroyed: number;
  actor: string;
  shredded_at: number;
}

export interface StoredChain {
  chain: ChainRow;
  versions: VersionRow[];
}

const CHAIN_COLUMNS = 'key_id, purpose, algorithm, min_version, first_version, created_at, updated_at';
const VERSION_COLUMNS =
  'key_id, version, algorithm, state, kek_id, wrapped, created_at, updated_at, destroyed_at';

export async function readFeedId(q: Queryable): Promise<string> {
  const row = await q.one<{ feed_id: string }>('SELECT feed_id FROM privacy_keyring_state WHERE id = 1');
  return row.feed_id;
}

/** Arbitrary constant ('priv'): the class of the per-key advisory locks below. */
const LOCK_CLASS = 0x70726976;

/**
 * Serializes changes to one key id across processes until the transaction
 * ends. PostgreSQL takes an advisory lock on the id (rows alone cannot
 * serialize making a chain against shredding one that does not exist yet);
 * SQLite's `BEGIN IMMEDIATE` already lets one writer in at a time.
 */
export async function lockKey(tx: Transaction, keyId: string): Promise<void> {
  if (tx.dialect === 'postgres')
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, keyId]);
}

export async function readChain(q: Queryable, keyId: string): Promise<StoredChain | undefined> {
  const chain = await q.maybeOne<ChainRow>(
    `SELECT ${CHAIN_COLUMNS} FROM privacy_key_chains WHERE key_id = $1`,
    [keyId],
  );
  if (!chain) return undefined;
  const versions = await q.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM privacy_key_versions WHERE key_id = $1 ORDER BY version`,
    [keyId],
  );
  return { chain, versions };
}

export async function listChains(q: Queryable, includeSubjects: boolean): Promise<ChainRow[]> {
  const where = includeSubjects ? '' : " WHERE purpose <> 'subject'";
  return q.query<ChainRow>(`SELECT ${CHAIN_COLUMNS} FROM privacy_key_chains${where} ORDER BY key_id`);
}

export async function readTombstone(q: Queryable, keyId: string): Promise<TombstoneRow | undefined> {
  const row = await q.maybeOne<TombstoneRow>(
    `SELECT key_id, purpose, shredded_through, versions_destroyed, actor, shredded_at
     FROM privacy_shredded_keys WHERE key_id = $1`,
    [keyId],
  );
  return row;
}

export async function sharedTombstones(q: Queryable): Promise<string[]> {
  const rows = await q.query<{ key_id: string }>(
    "SELECT key_id FROM privacy_shredded_keys WHERE purpose <> 'subject'",
  );
  return rows.map((r) => r.key_id);
}

export async function kekIdsInUse(q: Queryable): Promise<string[]> {
  const rows = await q.query<{ kek_id: string }>(
    'SELECT DISTINCT kek_id FROM privacy_key_versions WHERE wrapped IS NOT NULL',
  );
  return rows.map((r) => r.kek_id);
}

/** Inserts the chain unless it exists; true when this call made it. */
export async function insertChain(tx: Transaction, chain: ChainRow): Promise<boolean> {
  const changed = await tx.exec(
    `INSERT INTO privacy_key_chains (${CHAIN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (key_id) DO NOTHING`,
    [
      chain.key_id,
      chain.purpose,
      chain.algorithm,
      chain.min_version,
      chain.first_version,
      chain.created_at,
      chain.updated_at,
    ],
  );
  return changed === 1;
}

export async function insertVersion(tx: Transaction, v: VersionRow): Promise<void> {
  await tx.exec(
    `INSERT INTO privacy_key_versions (${VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      v.key_id,
      v.version,
      v.algorithm,
      v.state,
      v.kek_id,
      v.wrapped,
      v.created_at,
      v.updated_at,
      v.destroyed_at,
    ],
  );
}

export async function setVersionState(
  tx: Transaction,
  keyId: string,
  version: number,
  state: KeyState,
  now: number,
): Promise<void> {
  await tx.exec(
    'UPDATE privacy_key_versions SET state = $3, updated_at = $4 WHERE key_id = $1 AND version = $2',
    [keyId, version, state, now],
  );
}

export async function destroyVersion(
  tx: Transaction,
  keyId: string,
  version: number,
  now: number,
): Promise<void> {
  await tx.exec(
    `UPDATE privacy_key_versions SET wrapped = NULL, destroyed_at = $3, updated_at = $3
     WHERE key_id = $1 AND version = $2`,
    [keyId, version, now],
  );
}

export async function updateChain(
  tx: Transaction,
  keyId: string,
  change: { algorithm?: CipherAlgorithm; minVersion?: number },
  now: number,
): Promise<void> {
  await tx.exec(
    `UPDATE privacy_key_chains SET algorithm = COALESCE($2, algorithm), min_version = COALESCE($3, min_version),
     updated_at = $4 WHERE key_id = $1`,
    [keyId, change.algorithm ?? null, change.minVersion ?? null, now],
  );
}

/** Deletes the chain and (by cascade) every wrapped version, and records the tombstone. */
export async function shredChain(tx: Transaction, tombstone: TombstoneRow): Promise<void> {
  await tx.exec('DELETE FROM privacy_key_versions WHERE key_id = $1', [tombstone.key_id]);
  await tx.exec('DELETE FROM privacy_key_chains WHERE key_id = $1', [tombstone.key_id]);
  await tx.exec(
    `INSERT INTO privacy_shredded_keys (key_id, purpose, shredded_through, versions_destroyed, actor, shredded_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (key_id) DO UPDATE SET shredded_through = excluded.shredded_through,
       versions_destroyed = excluded.versions_destroyed, actor = excluded.actor, shredded_at = excluded.shredded_at`,
    [
      tombstone.key_id,
      tombstone.purpose,
      tombstone.shredded_through,
      tombstone.versions_destroyed,
      tombstone.actor,
      tombstone.shredded_at,
    ],
  );
}

/** Versions wrapped by another KEK than `kekId`, a page at a time in key order (KEK rotation). */
export async function versionsWrappedByOthers(
  q: Queryable,
  kekId: string,
  after: { keyId: string; version: number } | undefined,
  limit: number,
): Promise<VersionRow[]> {
  return q.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM privacy_key_versions
     WHERE kek_id <> $1 AND wrapped IS NOT NULL AND (key_id > $2 OR (key_id = $2 AND version > $3))
     ORDER BY key_id, version LIMIT $4`,
    [kekId, after?.keyId ?? '', after?.version ?? 0, limit],
  );
}

/** Replaces a wrapped key only if it is still the one read (a concurrent change wins). */
export async function replaceWrapped(
  tx: Transaction,
  old: VersionRow,
  kekId: string,
  wrapped: Buffer,
): Promise<boolean> {
  const changed = await tx.exec(
    `UPDATE privacy_key_versions SET kek_id = $3, wrapped = $4
     WHERE key_id = $1 AND version = $2 AND kek_id = $5 AND wrapped = $6`,
    [old.key_id, old.version, kekId, wrapped, old.kek_id, old.wrapped],
  );
  return changed === 1;
}
