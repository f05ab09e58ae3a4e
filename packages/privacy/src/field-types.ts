import type { KeyObject } from 'node:crypto';

/**
 * The shapes shared by the ciphers (`ciphers/`), the keyring (`keyring/`)
 * and the API on top of them.
 */

/** `aes-256-gcm` by default; `sm4-ctr-hmac-sm3` (encrypt-then-MAC) where national algorithms are required. */
export type CipherAlgorithm = 'aes-256-gcm' | 'sm4-ctr-hmac-sm3';

/** Where a value belongs. Bound into its ciphertext as associated data: a copy elsewhere will not open. */
export interface FieldContext {
  table: string;
  column: string;
  /** The row's id (primary key) as text. */
  row: string;
}

/** A data key in the clear: only ever in memory, unwrapped by the keyring from its stored, wrapped form. */
export interface DataKey {
  /** Names the key chain: a dataset/column (`identity.accounts.phone`) or a data subject's own key. */
  keyId: string;
  version: number;
  algorithm: CipherAlgorithm;
  /** 32 random bytes; the cipher derives what it needs from them. */
  material: KeyObject;
}

/** What a ciphertext says about itself, readable without any key. */
export interface CiphertextHeader {
  /** The envelope format's version. */
  format: number;
  algorithm: CipherAlgorithm;
  keyId: string;
  version: number;
}

/** Finds the data key a ciphertext names; throws a PrivacyError (not found, retired, shredded) when it can't. */
export type KeyResolver = (keyId: string, version: number) => DataKey;

/**
 * A column of envelopes in OneGate's own store, named so that
 * `onegate privacy keys rewrap <keyId>` can re-encrypt it under the key's
 * current primary version (see `rewrapColumn`).
 */
export interface EncryptedColumn {
  /** The key chain its values are sealed under. */
  keyId: string;
  /** `table` or `schema.table`, lower-case. */
  table: string;
  /** The primary key column; rows are walked in its order. */
  idColumn: string;
  column: string;
  /** The associated data a row's value was sealed with. */
  context: (row: { id: string }) => FieldContext;
}
