import { createSecretKey, hkdfSync, KeyObject } from 'node:crypto';
import { PrivacyError } from '../errors.ts';

/** The hash of the blind-index HKDF and HMAC: SHA-256 by default, SM3 in GM mode. */
export type IndexHash = 'sha256' | 'sm3';

const LABEL = 'onegate blind-index v1';
/** HKDF info is capped at 1024 bytes by OpenSSL; 255 bytes each keeps label and names well under. */
const MAX_NAME_BYTES = 255;

/**
 * The blind-index key of one column: HKDF(root, salt = empty,
 * info = lp(label) ‖ lp(table) ‖ lp(column)), 32 bytes, where lp(x) is a u32
 * big-endian byte length then UTF-8. Each column gets its own key, so equal
 * values in two columns (or tables) give unrelated indexes and cannot be
 * joined on. Derive once per column and keep the KeyObject.
 */
export function columnIndexKey(
  root: KeyObject,
  table: string,
  column: string,
  options: { hash?: IndexHash } = {},
): KeyObject {
  const hash = options.hash ?? 'sha256';
  if (hash !== 'sha256' && hash !== 'sm3') throw invalid('the blind-index hash is sha256 or sm3');
  if (!(root instanceof KeyObject) || root.type !== 'secret' || (root.symmetricKeySize ?? 0) < 32) {
    throw invalid('a blind-index root key is a secret KeyObject of at least 32 bytes');
  }
  const info = lengthPrefixed([LABEL, name(table), name(column)]);
  return createSecretKey(Buffer.from(hkdfSync(hash, root, Buffer.alloc(0), info, 32)));
}

function name(value: unknown): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    !value.isWellFormed() ||
    Buffer.byteLength(value, 'utf8') > MAX_NAME_BYTES
  ) {
    throw invalid('a table or column name is non-empty well-formed text of at most 255 bytes');
  }
  return value;
}

function lengthPrefixed(parts: string[]): Buffer {
  return Buffer.concat(
    parts.flatMap((part) => {
      const bytes = Buffer.from(part, 'utf8');
      const length = Buffer.allocUnsafe(4);
      length.writeUInt32BE(bytes.length);
      return [length, bytes];
    }),
  );
}

function invalid(message: string): PrivacyError {
  return new PrivacyError('ERR_PRIVACY_INVALID', message);
}
