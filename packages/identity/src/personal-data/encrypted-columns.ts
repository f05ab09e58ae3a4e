import type { EncryptedColumn } from '@onegate/privacy';

/**
 * A column of envelopes in identity's own tables. The associated data names
 * the table, the SQL column and the row's id, so a value copied to another
 * row or column does not open.
 */
function sealedColumn(keyId: string, table: string, idColumn: string, column: string): EncryptedColumn {
  return { keyId, table, idColumn, column, context: (row) => ({ table, column, row: row.id }) };
}

export const ACCOUNT_PHONE = sealedColumn('identity.accounts.phone', 'accounts', 'id', 'phone');
export const ACCOUNT_EMAIL = sealedColumn('identity.accounts.email', 'accounts', 'id', 'email');
export const ACCOUNT_ID_NUMBER = sealedColumn('identity.accounts.id_number', 'accounts', 'id', 'id_number');
export const ACCOUNT_NAME = sealedColumn('identity.accounts.name', 'accounts', 'id', 'name');
export const TOTP_SECRET = sealedColumn(
  'identity.totp.secret',
  'identity_totp',
  'account_id',
  'sealed_secret',
);
export const SIGNING_KEY_PRIVATE_JWK = sealedColumn(
  'identity.signing_keys.private_jwk',
  'identity_signing_keys',
  'kid',
  'sealed_private_jwk',
);

/**
 * Every column identity seals under a keyring column key: what
 * `onegate privacy keys rewrap <keyId>` walks to move values to a key's new
 * primary version. (Client secrets stay sealed under the master key.)
 */
export const identityEncryptedColumns: EncryptedColumn[] = [
  ACCOUNT_PHONE,
  ACCOUNT_EMAIL,
  ACCOUNT_ID_NUMBER,
  ACCOUNT_NAME,
  TOTP_SECRET,
  SIGNING_KEY_PRIVATE_JWK,
];
