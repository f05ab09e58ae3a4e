import type { MigrationSet } from '@onegate/store';

const table = (time: string) => `CREATE TABLE identity_signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('next', 'current', 'previous', 'retired')),
  public_jwk TEXT NOT NULL,
  sealed_private_jwk TEXT,
  created_at ${time} NOT NULL,
  promoted_at ${time},
  retire_after ${time},
  retired_at ${time},
  CHECK ((state = 'retired') = (sealed_private_jwk IS NULL))
);
CREATE UNIQUE INDEX identity_signing_keys_one_current ON identity_signing_keys (alg) WHERE state = 'current';
CREATE UNIQUE INDEX identity_signing_keys_one_next ON identity_signing_keys (alg) WHERE state = 'next';`;

/**
 * Signing keys of the OIDC provider. The private JWK is sealed with the master
 * key (AAD `signing-key:<kid>`); the partial unique indexes make "one current
 * and at most one next key per algorithm" hold even against concurrent writers.
 */
export const identityKeysMigrations: MigrationSet = {
  owner: 'identity-keys',
  migrations: [
    {
      version: 1,
      name: 'signing keys',
      up: { sqlite: table('INTEGER'), postgres: table('BIGINT') },
    },
  ],
};
