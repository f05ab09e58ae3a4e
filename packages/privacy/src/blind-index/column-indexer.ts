import type { KeyObject } from 'node:crypto';
import { blindIndex, type BlindIndexOptions } from './blind-index.ts';
import { columnIndexKey } from './column-key.ts';

export interface ColumnIndexerOptions extends BlindIndexOptions {
  /** The blind-index root key (from the keyring). */
  root: KeyObject;
  table: string;
  column: string;
  /**
   * Puts a raw value into its one canonical form before indexing (ID number
   * with upper-case `X`, phone number without `+86` …), so equal values
   * index alike however they were typed; throws on a value it cannot read.
   */
  normalize: (value: string) => string;
}

/**
 * The blind index of one column as a function of a raw value: the column
 * key is derived once here (HKDF with SM3 when the index uses HMAC-SM3),
 * not per value.
 */
export function columnIndexer(options: ColumnIndexerOptions): (value: string) => string {
  const { root, table, column, normalize, bits, algorithm } = options;
  const key = columnIndexKey(root, table, column, { hash: algorithm === 'hmac-sm3' ? 'sm3' : 'sha256' });
  const indexOptions: BlindIndexOptions = { bits, algorithm };
  return (value) => blindIndex(key, normalize(value), indexOptions);
}
