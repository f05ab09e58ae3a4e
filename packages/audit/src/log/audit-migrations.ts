import type { MigrationSet } from '@onegate/store';

/**
 * On SQLite, search indexes are kept per bucket of 2^12 consecutive entries:
 * (idx >> 12, column, idx). A column with many values (who acted, whose data)
 * indexed as (column, idx) takes each new entry at its own page, so a commit
 * of a few hundred entries rewrote a few hundred pages per index; within the
 * current bucket the same entries share a dozen or two. A search seeks each
 * bucket in turn, newest first (query.ts): 2,441 seeks at 10 million
 * entries, 31 ms for a citizen seen a handful of times. Buckets of 2^14 wrote
 * a quarter more bytes per event; 2^10 saved little more for four times the seeks.
 * Changing it: a new migration, never an edit (the checksum would refuse it).
 */
export const SEARCH_BUCKET_BITS = 12;

/** Index name suffix → column, for every search index but time's. */
const SEARCH_COLUMNS = [
  ['actor', 'actor'],
  ['subject', 'subject'],
  ['action', 'action'],
  ['department', 'department'],
  ['client', 'client_id'],
  ['purpose', 'purpose'],
] as const;

/** SHA-256 of the empty string: the root of the empty tree (RFC 9162 §2.1.1). */
const EMPTY_ROOT_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * The append-only log at rest.
 *
 * - `audit_entries`: one row per leaf, `idx` dense from 0; the exact leaf
 *   bytes, their leaf hash (the tree's level 0), and indexed query columns.
 * - `audit_nodes`: every complete aligned subtree of level ≥ 1, so any proof
 *   is O(log n) point reads.
 * - `audit_head`: the committed size and root, written in the same
 *   transaction as the entries and nodes it describes.
 * - `audit_idempotency`: which batch a client's retry key already appended.
 * - `audit_checkpoints`: signed tree heads (written by the checkpoint code).
 * - `audit_checkpoint_keys` (version 2): the Ed25519 keys that sign them,
 *   private parts sealed by the server's keyring, one `current`.
 * - version 3: `audit_entries.pruned_at`. Retention empties an old entry's
 *   leaf and query columns but keeps its leaf hash, so the tree, old
 *   checkpoints and proofs still verify.
 * - version 4: `audit_checkpoint_keys.kind`, `ed25519` or `sm2` (GM
 *   deployments sign each checkpoint with both): one `current` key per kind.
 * - version 5: search indexes as (column, idx), so "newest first where
 *   column = x" walks one index backwards and stops after a page, for every
 *   column an officer filters by except the two-valued outcome.
 * - version 6: on SQLite the same indexes per bucket of entries
 *   (SEARCH_BUCKET_BITS). PostgreSQL keeps version 5's: its planner (15) does
 *   not walk an IN list in index order, so a bucketed search there would read
 *   every match before returning the newest.
 */
export const auditMigrations: MigrationSet = {
  owner: 'audit',
  migrations: [
    {
      version: 1,
      name: 'merkle log: entries, nodes, head, idempotency keys, checkpoints',
      up: {
        sqlite: tables({
          index: 'INTEGER PRIMARY KEY',
          bytes: 'BLOB',
          withoutRowid: ' WITHOUT ROWID',
          emptyRoot: `X'${EMPTY_ROOT_HEX}'`,
        }),
        postgres: tables({
          index: 'BIGINT PRIMARY KEY',
          bytes: 'BYTEA',
          withoutRowid: '',
          emptyRoot: `decode('${EMPTY_ROOT_HEX}', 'hex')`,
        }),
      },
    },
    {
      version: 2,
      name: 'checkpoint signing keys, private parts sealed',
      up: `CREATE TABLE audit_checkpoint_keys (
  id TEXT PRIMARY KEY,
  vkey TEXT NOT NULL UNIQUE,
  sealed_private TEXT,
  state TEXT NOT NULL CHECK (state IN ('current', 'previous')),
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX audit_checkpoint_keys_current ON audit_checkpoint_keys (state) WHERE state = 'current';`,
    },
    {
      version: 3,
      name: 'retention: pruned entries keep their leaf hash, lose their body',
      up: `ALTER TABLE audit_entries ADD COLUMN pruned_at BIGINT;`,
    },
    {
      version: 4,
      name: 'checkpoint keys of two kinds: Ed25519, and SM2 for GM deployments',
      up: `ALTER TABLE audit_checkpoint_keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'ed25519' CHECK (kind IN ('ed25519', 'sm2'));
DROP INDEX audit_checkpoint_keys_current;
CREATE UNIQUE INDEX audit_checkpoint_keys_current ON audit_checkpoint_keys (kind) WHERE state = 'current';`,
    },
    {
      version: 5,
      name: 'search indexes ordered by index, newest first at any size',
      up: `DROP INDEX audit_entries_actor;
DROP INDEX audit_entries_subject;
DROP INDEX audit_entries_action;
CREATE INDEX audit_entries_actor ON audit_entries (actor, idx) WHERE actor IS NOT NULL;
CREATE INDEX audit_entries_subject ON audit_entries (subject, idx) WHERE subject IS NOT NULL;
CREATE INDEX audit_entries_action ON audit_entries (action, idx) WHERE action IS NOT NULL;
CREATE INDEX audit_entries_department ON audit_entries (department, idx) WHERE department IS NOT NULL;
CREATE INDEX audit_entries_client ON audit_entries (client_id, idx) WHERE client_id IS NOT NULL;
CREATE INDEX audit_entries_purpose ON audit_entries (purpose, idx) WHERE purpose IS NOT NULL;`,
    },
    {
      version: 6,
      name: 'search indexes per bucket of entries on SQLite, so a commit touches few pages',
      up: {
        sqlite: SEARCH_COLUMNS.map(
          ([name, column]) => `DROP INDEX audit_entries_${name};
CREATE INDEX audit_entries_${name} ON audit_entries ((idx >> ${SEARCH_BUCKET_BITS}), ${column}, idx) WHERE ${column} IS NOT NULL;`,
        ).join('\n'),
        postgres: '-- unchanged: (column, idx) as in version 5',
      },
    },
  ],
};

interface Dialect {
  /** SQLite: the rowid itself, so the entries table is its own primary index. */
  index: string;
  bytes: string;
  withoutRowid: string;
  emptyRoot: string;
}

function tables(d: Dialect): string {
  return `CREATE TABLE audit_entries (
  idx ${d.index} CHECK (idx >= 0),
  leaf ${d.bytes} NOT NULL,
  leaf_hash ${d.bytes} NOT NULL CHECK (length(leaf_hash) = 32),
  at BIGINT NOT NULL,
  action TEXT,
  actor TEXT,
  subject TEXT,
  outcome TEXT,
  department TEXT,
  client_id TEXT,
  purpose TEXT
);
CREATE INDEX audit_entries_at ON audit_entries (at);
CREATE INDEX audit_entries_actor ON audit_entries (actor, at);
CREATE INDEX audit_entries_subject ON audit_entries (subject, at) WHERE subject IS NOT NULL;
CREATE INDEX audit_entries_action ON audit_entries (action, at);
CREATE TABLE audit_nodes (
  level INTEGER NOT NULL CHECK (level >= 1),
  idx BIGINT NOT NULL CHECK (idx >= 0),
  hash ${d.bytes} NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
)${d.withoutRowid};
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  size BIGINT NOT NULL CHECK (size >= 0),
  root ${d.bytes} NOT NULL CHECK (length(root) = 32),
  at BIGINT NOT NULL
);
INSERT INTO audit_head (id, size, root, at) VALUES (1, 0, ${d.emptyRoot}, 0);
CREATE TABLE audit_idempotency (
  client TEXT NOT NULL,
  key TEXT NOT NULL,
  first_idx BIGINT NOT NULL,
  count INTEGER NOT NULL,
  digest ${d.bytes} NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (client, key)
);
CREATE INDEX audit_idempotency_at ON audit_idempotency (at);
CREATE TABLE audit_checkpoints (
  size BIGINT PRIMARY KEY CHECK (size >= 0),
  root ${d.bytes} NOT NULL CHECK (length(root) = 32),
  note TEXT NOT NULL,
  at BIGINT NOT NULL
);`;
}
