import type { KeyObject } from 'node:crypto';
import { BLIND_INDEX_ROOT_KEY_ID, columnIndexer, type DataKey, type Keyring } from '@onegate/privacy';

/** A column searched by equality through a blind index beside it. */
export interface IndexedColumn {
  table: string;
  column: string;
  /** Equal values must index alike however they were typed (`+86 138-…` and `138…`). */
  normalize: (value: string) => string;
}

type Indexer = (value: string) => string;

/**
 * Blind indexes of identity's columns, keyed from the keyring's
 * `blind-index-root`. New values are indexed under the primary root only;
 * a search computes the index under every usable root (primary first), so
 * lookups keep working while a re-index moves rows to a new root. A root
 * made in GM mode indexes with HMAC-SM3.
 */
export class BlindIndexes {
  readonly #keyring: Keyring;
  /** Each column key is derived (HKDF) once per root version. */
  readonly #indexers = new WeakMap<KeyObject, WeakMap<IndexedColumn, Indexer>>();

  constructor(keyring: Keyring) {
    this.#keyring = keyring;
  }

  /** The index to store with a new or changed value. */
  async index(column: IndexedColumn, value: string): Promise<string> {
    const root =
      this.#keyring.cachedPrimaryKey(BLIND_INDEX_ROOT_KEY_ID) ?? (await this.#keyring.blindIndexRoot());
    return this.#indexer(root, column)(value);
  }

  /** Every index a stored equal value may have; confirm a match by decrypting the row. */
  async candidates(column: IndexedColumn, value: string): Promise<string[]> {
    const roots = this.#keyring.usableKeys(BLIND_INDEX_ROOT_KEY_ID);
    if (roots.length === 0) roots.push(await this.#keyring.blindIndexRoot());
    return [...new Set(roots.map((root) => this.#indexer(root, column)(value)))];
  }

  #indexer(root: DataKey, column: IndexedColumn): Indexer {
    let byColumn = this.#indexers.get(root.material);
    if (!byColumn) this.#indexers.set(root.material, (byColumn = new WeakMap()));
    let indexer = byColumn.get(column);
    if (!indexer) {
      indexer = columnIndexer({
        root: root.material,
        table: column.table,
        column: column.column,
        normalize: column.normalize,
        algorithm: root.algorithm === 'sm4-ctr-hmac-sm3' ? 'hmac-sm3' : 'hmac-sha256',
      });
      byColumn.set(column, indexer);
    }
    return indexer;
  }
}
