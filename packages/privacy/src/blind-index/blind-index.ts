import { createHmac, KeyObject } from 'node:crypto';
import { PrivacyError } from '../errors.ts';

export type BlindIndexAlgorithm = 'hmac-sha256' | 'hmac-sm3';

export interface BlindIndexOptions {
  /**
   * Bits kept of the HMAC: a multiple of 8 from 32 to 256. Default 128: no
   * accidental collision at any real table size (birthday bound 2^64), half
   * the column of 256. Fewer bits make deliberate collisions, so one index
   * value stands for several plaintexts: less linkability, more false
   * matches to weed out by decrypting. See
   * docs/privacy.md#what-an-index-reveals-and-the-choices-made.
   */
  bits?: number;
  /** `hmac-sha256` by default; `hmac-sm3` in GM mode. */
  algorithm?: BlindIndexAlgorithm;
}

export const DEFAULT_INDEX_BITS = 128;

const HASHES: Readonly<Record<BlindIndexAlgorithm, string>> = { 'hmac-sha256': 'sha256', 'hmac-sm3': 'sm3' };

/**
 * The blind index of an already normalized value: HMAC(key, UTF-8 of the
 * value) cut to `bits`, base64url. `key` is a column key from
 * `columnIndexKey`. Equal inputs give equal indexes and so reveal equality;
 * a match is a candidate, to be confirmed by decrypting the row.
 */
export function blindIndex(key: KeyObject, normalized: string, options: BlindIndexOptions = {}): string {
  const bits = options.bits ?? DEFAULT_INDEX_BITS;
  const algorithm = options.algorithm ?? 'hmac-sha256';
  if (!Number.isInteger(bits) || bits < 32 || bits > 256 || bits % 8 !== 0) {
    throw invalid('blind-index bits are a multiple of 8 from 32 to 256');
  }
  if (!Object.hasOwn(HASHES, algorithm)) {
    throw invalid('the blind-index algorithm is hmac-sha256 or hmac-sm3');
  }
  if (!(key instanceof KeyObject) || key.type !== 'secret') {
    throw invalid('a blind-index key is a secret KeyObject');
  }
  // Nothing to index: an empty value is better stored as NULL than as one index shared by every failed input.
  if (typeof normalized !== 'string' || normalized.length === 0 || !normalized.isWellFormed()) {
    throw invalid('a blind index is made of non-empty well-formed text');
  }
  const mac = createHmac(HASHES[algorithm], key).update(normalized, 'utf8').digest();
  return mac.toString('base64url', 0, bits / 8);
}

function invalid(message: string): PrivacyError {
  return new PrivacyError('ERR_PRIVACY_INVALID', message);
}
