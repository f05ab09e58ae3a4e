import {
  normalizeEmail,
  normalizeMobile,
  normalizeResidentId,
  type EncryptedColumn,
  type Keyring,
} from '@onegate/privacy';
import { BlindIndexes, type IndexedColumn } from '../personal-data/blind-indexes.ts';
import {
  ACCOUNT_EMAIL,
  ACCOUNT_ID_NUMBER,
  ACCOUNT_NAME,
  ACCOUNT_PHONE,
} from '../personal-data/encrypted-columns.ts';
import { FieldSealer } from '../personal-data/field-sealer.ts';
import type { AccountRow, PersonalData } from './account.ts';

/** The personal data an account can be found by. */
export type IdentifierKind = 'phone' | 'email' | 'idNumber';

export interface Identifier extends IndexedColumn {
  sealed: EncryptedColumn;
  /** The unique blind-index column beside the envelope. */
  indexColumn: string;
  /** Rows from before sealing (`fields_sealed = 0`) hold this column in plaintext. */
  legacyPlaintext: boolean;
}

export const IDENTIFIERS: Readonly<Record<IdentifierKind, Identifier>> = {
  phone: {
    table: 'accounts',
    column: 'phone',
    normalize: normalizeMobile,
    sealed: ACCOUNT_PHONE,
    indexColumn: 'phone_index',
    legacyPlaintext: true,
  },
  email: {
    table: 'accounts',
    column: 'email',
    normalize: normalizeEmail,
    sealed: ACCOUNT_EMAIL,
    indexColumn: 'email_index',
    legacyPlaintext: true,
  },
  idNumber: {
    table: 'accounts',
    column: 'id_number',
    normalize: normalizeResidentId,
    sealed: ACCOUNT_ID_NUMBER,
    indexColumn: 'id_number_index',
    legacyPlaintext: false,
  },
};

export const IDENTIFIER_KINDS = Object.keys(IDENTIFIERS) as IdentifierKind[];

/** Given: set (a value) or clear (`null`); not given: leave as it is. */
export type PersonalDataChange = { [K in keyof PersonalData]?: string | null };

/** Column name to stored value, for an INSERT or UPDATE; names come from the constants above only. */
export type SealedColumns = Map<string, string | null>;

/**
 * An account's personal data at rest: every value sealed under its column's
 * keyring key, bound to the account's row; phone, e-mail and ID number with a
 * blind index for equality search. The name has no index: nobody signs in
 * by name, and names are too few and too skewed to index safely.
 */
export class AccountFields {
  readonly #sealer: FieldSealer;
  readonly #indexes: BlindIndexes;

  constructor(keyring: Keyring) {
    this.#sealer = new FieldSealer(keyring);
    this.#indexes = new BlindIndexes(keyring);
  }

  /** The envelope and index columns for the fields in `change`, each sealed for `accountId`'s row. */
  async seal(accountId: string, change: PersonalDataChange): Promise<SealedColumns> {
    const columns: SealedColumns = new Map();
    if (change.name !== undefined) {
      columns.set(
        'name',
        change.name === null ? null : await this.#sealer.seal(ACCOUNT_NAME, accountId, change.name),
      );
    }
    for (const kind of IDENTIFIER_KINDS) {
      const value = change[kind];
      if (value === undefined) continue;
      const spec = IDENTIFIERS[kind];
      columns.set(
        spec.column,
        value === null ? null : await this.#sealer.seal(spec.sealed, accountId, value),
      );
      columns.set(spec.indexColumn, value === null ? null : await this.#indexes.index(spec, value));
    }
    return columns;
  }

  /** Opens a row's personal data; a row not yet sealed is read as it is. */
  async open(row: AccountRow): Promise<PersonalData> {
    if (Number(row.fields_sealed) !== 1) {
      return { name: row.name ?? undefined, phone: row.phone ?? undefined, email: row.email ?? undefined };
    }
    const open = async (column: EncryptedColumn, value: string | null) =>
      value === null ? undefined : this.#sealer.openText(column, row.id, value);
    const [name, phone, email, idNumber] = await Promise.all([
      open(ACCOUNT_NAME, row.name),
      open(ACCOUNT_PHONE, row.phone),
      open(ACCOUNT_EMAIL, row.email),
      open(ACCOUNT_ID_NUMBER, row.id_number),
    ]);
    return { name, phone, email, idNumber };
  }

  /** The indexes under which an equal value may be stored. */
  candidates(kind: IdentifierKind, value: string): Promise<string[]> {
    return this.#indexes.candidates(IDENTIFIERS[kind], value);
  }

  /** Whether an opened value is `value` (a blind-index match is confirmed this way, never taken on trust). */
  static same(kind: IdentifierKind, stored: string | undefined, value: string): boolean {
    const { normalize } = IDENTIFIERS[kind];
    return stored !== undefined && normalize(stored) === normalize(value);
  }
}
