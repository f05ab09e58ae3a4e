import type { MigrationSet } from '@onegate/store';

/** Everything oidc-provider keeps (sessions, grants, codes, tokens, interactions …), one row per artifact. */
export const oidcMigrations: MigrationSet = {
  owner: 'identity-oidc',
  migrations: [
    {
      version: 1,
      name: 'oidc payloads',
      up: `CREATE TABLE oidc_payloads (
  model TEXT NOT NULL,
  id TEXT NOT NULL,
  payload TEXT NOT NULL,
  grant_id TEXT,
  user_code TEXT,
  uid TEXT,
  expires_at BIGINT,
  consumed_at BIGINT,
  PRIMARY KEY (model, id)
);
CREATE INDEX oidc_payloads_grant ON oidc_payloads (grant_id);
CREATE INDEX oidc_payloads_uid ON oidc_payloads (uid);
CREATE INDEX oidc_payloads_user_code ON oidc_payloads (user_code);
CREATE INDEX oidc_payloads_expires ON oidc_payloads (expires_at);`,
    },
    {
      version: 2,
      name: 'remembered consents',
      up: `CREATE TABLE oidc_consents (
  account_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  grant_id TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (account_id, client_id)
);`,
    },
  ],
};
