import type { MigrationSet } from '@onegate/store';

/**
 * Version 2 seals personal data. `name`, `phone`, `email` and the new
 * `id_number` hold envelopes (`og1:…`) sealed under the keyring's column
 * keys; `phone_index`, `email_index` and `id_number_index` hold their blind
 * indexes, unique, for sign-in and duplicate checks. `fields_sealed` is 0
 * on rows written before version 2, whose values are still plaintext:
 * identity seals them at start (see `sealPlaintextAccounts`). The version 1
 * UNIQUE constraints on `phone` and `email` stay (SQLite cannot drop them);
 * random envelopes never collide.
 */
const sealedFields = `ALTER TABLE accounts ADD COLUMN id_number TEXT;
ALTER TABLE accounts ADD COLUMN phone_index TEXT;
ALTER TABLE accounts ADD COLUMN email_index TEXT;
ALTER TABLE accounts ADD COLUMN id_number_index TEXT;
ALTER TABLE accounts ADD COLUMN fields_sealed INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX accounts_phone_index ON accounts (phone_index);
CREATE UNIQUE INDEX accounts_email_index ON accounts (email_index);
CREATE UNIQUE INDEX accounts_id_number_index ON accounts (id_number_index);
CREATE INDEX accounts_plaintext ON accounts (id) WHERE fields_sealed = 0;`;

export const accountMigrations: MigrationSet = {
  owner: 'identity-accounts',
  migrations: [
    {
      version: 1,
      name: 'accounts',
      up: `CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  phone TEXT UNIQUE,
  email TEXT UNIQUE,
  name TEXT,
  password_hash TEXT,
  identity_assurance TEXT NOT NULL DEFAULT 'basic',
  departments TEXT NOT NULL DEFAULT '[]',
  roles TEXT NOT NULL DEFAULT '[]',
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);`,
    },
    { version: 2, name: 'sealed personal data', up: sealedFields },
    {
      version: 3,
      name: 'temporary passwords',
      // Set when an operator chose the password: until then it serves only to choose a new one (ASVS 6.4.1).
      up: 'ALTER TABLE accounts ADD COLUMN password_expires_at BIGINT;',
    },
  ],
};
