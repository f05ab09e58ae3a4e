import type { MigrationSet } from '@onegate/store';

export const clientMigrations: MigrationSet = {
  owner: 'identity-clients',
  migrations: [
    {
      version: 1,
      name: 'clients',
      up: `CREATE TABLE clients (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  metadata TEXT NOT NULL,
  secret_sealed TEXT,
  department TEXT,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);`,
    },
  ],
};
