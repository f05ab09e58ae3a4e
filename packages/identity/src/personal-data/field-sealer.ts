import {
  isPrivacyError,
  openField,
  readHeader,
  sealField,
  type DataKey,
  type EncryptedColumn,
  type Keyring,
} from '@onegate/privacy';
import { IdentityError } from '../errors.ts';

/**
 * Seals and opens values of identity's encrypted columns with the keyring.
 * A version another instance made a moment ago may not be in this keyring's
 * memory yet: opening then loads it (`ensure`) and tries once more.
 */
export class FieldSealer {
  readonly #keyring: Keyring;

  constructor(keyring: Keyring) {
    this.#keyring = keyring;
  }

  /** Makes the column's key on first use, so call this outside any open transaction. */
  async key(column: EncryptedColumn): Promise<DataKey> {
    return this.#keyring.cachedPrimaryKey(column.keyId) ?? (await this.#keyring.primaryKey(column.keyId));
  }

  async seal(column: EncryptedColumn, row: string, plaintext: string | Uint8Array): Promise<string> {
    return sealField(await this.key(column), plaintext, column.context({ id: row }));
  }

  /**
   * A stored value that will not open (altered, moved from another row, its
   * key retired or unwrappable) is identity's own failure, not the caller's:
   * `ERR_SEALED_DATA`, with the privacy error as its cause for the log.
   */
  async open(column: EncryptedColumn, row: string, envelope: string): Promise<Buffer> {
    const context = column.context({ id: row });
    try {
      try {
        return openField(envelope, context, this.#keyring.resolve);
      } catch (err) {
        if (!isPrivacyError(err, 'ERR_PRIVACY_KEY_NOT_FOUND')) throw err;
        const { keyId, version } = readHeader(envelope);
        await this.#keyring.ensure(keyId, version);
        return openField(envelope, context, this.#keyring.resolve);
      }
    } catch (err) {
      if (!isPrivacyError(err)) throw err;
      throw new IdentityError('ERR_SEALED_DATA', 'sealed data cannot be opened', { cause: err });
    }
  }

  async openText(column: EncryptedColumn, row: string, envelope: string): Promise<string> {
    return (await this.open(column, row, envelope)).toString('utf8');
  }
}
