import type { MigrationSet } from '@onegate/store';

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
  ],
};
