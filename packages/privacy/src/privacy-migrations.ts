import type { MigrationSet } from '@onegate/store';

const ALGORITHMS = "('aes-256-gcm', 'sm4-ctr-hmac-sm3')";

/**
 * The keyring at rest. A chain (`privacy_key_chains`) is one key id; its
 * versions hold the data key wrapped by the KEK (`kek_id` says which), never
 * in the clear. A destroyed version keeps its row (state `retired`, no
 * wrapped key) so a ciphertext naming it reports "retired", not "not found".
 * Shredding deletes the chain and its versions and leaves a tombstone in
 * `privacy_shredded_keys`; a chain made again after that (only when allowed)
 * starts above the shredded versions (`first_version`). `feed_id`, random
 * per database, marks this keyring's change notices: PostgreSQL delivers
 * NOTIFY to every schema's listeners.
 */
export const privacyMigrations: MigrationSet = {
  owner: 'privacy',
  migrations: [
    {
      version: 1,
      name: 'keyring: key chains, wrapped key versions, shredding tombstones, rewrap progress',
      up: {
        sqlite: tables('BLOB', 'lower(hex(randomblob(8)))'),
        postgres: tables('BYTEA', 'substr(md5(random()::text || clock_timestamp()::text), 1, 16)'),
      },
    },
  ],
};

function tables(bytes: string, randomFeedId: string): string {
  return `CREATE TABLE privacy_keyring_state (
  id INTEGER PRIMARY KEY,
  feed_id TEXT NOT NULL
);
INSERT INTO privacy_keyring_state (id, feed_id) VALUES (1, ${randomFeedId});
CREATE TABLE privacy_key_chains (
  key_id TEXT PRIMARY KEY,
  purpose TEXT NOT NULL CHECK (purpose IN ('field', 'subject', 'blind-index')),
  algorithm TEXT NOT NULL CHECK (algorithm IN ${ALGORITHMS}),
  min_version INTEGER NOT NULL CHECK (min_version >= 1),
  first_version INTEGER NOT NULL CHECK (first_version >= 1),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE privacy_key_versions (
  key_id TEXT NOT NULL REFERENCES privacy_key_chains (key_id) ON DELETE CASCADE,
  version INTEGER NOT NULL CHECK (version >= 1),
  algorithm TEXT NOT NULL CHECK (algorithm IN ${ALGORITHMS}),
  state TEXT NOT NULL CHECK (state IN ('primary', 'decrypt-only', 'retired')),
  kek_id TEXT NOT NULL,
  wrapped ${bytes},
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  destroyed_at BIGINT,
  PRIMARY KEY (key_id, version),
  CHECK ((wrapped IS NULL) = (destroyed_at IS NOT NULL)),
  CHECK (destroyed_at IS NULL OR state = 'retired')
);
CREATE UNIQUE INDEX privacy_key_versions_one_primary ON privacy_key_versions (key_id) WHERE state = 'primary';
CREATE INDEX privacy_key_versions_by_kek ON privacy_key_versions (kek_id);
CREATE TABLE privacy_shredded_keys (
  key_id TEXT PRIMARY KEY,
  purpose TEXT NOT NULL,
  shredded_through INTEGER NOT NULL,
  versions_destroyed INTEGER NOT NULL,
  actor TEXT NOT NULL,
  shredded_at BIGINT NOT NULL
);
CREATE TABLE privacy_rewrap_progress (
  job TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  target_version INTEGER NOT NULL,
  cursor TEXT,
  scanned BIGINT NOT NULL,
  rewrapped BIGINT NOT NULL,
  conflicts BIGINT NOT NULL,
  unreadable BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT
);`;
}
