import { createSecretKey, type KeyObject } from 'node:crypto';
import type { CipherAlgorithm } from '../field-types.ts';
import type { KeyEncryptionKey } from './kek.ts';
import { isPrivacyError } from '../errors.ts';
import { kekFailure } from './key-errors.ts';
import type { KeyPurpose } from './key-ids.ts';

/** Which data key a wrapped key is: all of it is bound into the wrapping's associated data. */
export interface WrappedKeyName {
  keyId: string;
  version: number;
  purpose: KeyPurpose;
  algorithm: CipherAlgorithm;
}

const LABEL = 'onegate-dek-v1';
export const DATA_KEY_BYTES = 32;

/**
 * `lp(label) ‖ lp(purpose) ‖ lp(algorithm) ‖ lp(keyId) ‖ u32(version)`, each
 * `lp` a u32 big-endian byte length and then UTF-8: no two names encode alike.
 * A wrapped key copied to another row (key id, version, purpose or algorithm)
 * no longer unwraps.
 */
export function wrapAad(name: WrappedKeyName): Buffer {
  const parts = [LABEL, name.purpose, name.algorithm, name.keyId].map((s) => Buffer.from(s, 'utf8'));
  const out = Buffer.alloc(parts.reduce((n, p) => n + 4 + p.length, 4));
  let at = 0;
  for (const part of parts) {
    at = out.writeUInt32BE(part.length, at);
    at += part.copy(out, at);
  }
  out.writeUInt32BE(name.version, at);
  return out;
}

export async function wrapDataKey(
  kek: KeyEncryptionKey,
  name: WrappedKeyName,
  material: Buffer,
): Promise<Buffer> {
  try {
    return await kek.wrap(material, wrapAad(name));
  } catch (err) {
    throw isPrivacyError(err)
      ? err
      : kekFailure(`the key-encryption key "${kek.id}" cannot wrap a data key`, err);
  }
}

/** Unwraps into a KeyObject; the plain bytes are zeroed at once. Any failure is ERR_PRIVACY_KEK. */
export async function unwrapDataKey(
  kek: KeyEncryptionKey,
  name: WrappedKeyName,
  wrapped: Buffer,
): Promise<KeyObject> {
  let bytes: Buffer;
  try {
    bytes = await kek.unwrap(wrapped, wrapAad(name));
  } catch (err) {
    throw kekFailure(
      `cannot unwrap version ${name.version} of key "${name.keyId}": wrong key-encryption key, or the wrapped key was altered or moved`,
      isPrivacyError(err) ? undefined : err,
    );
  }
  try {
    if (bytes.length !== DATA_KEY_BYTES) {
      throw kekFailure(`version ${name.version} of key "${name.keyId}" did not unwrap to a 32-byte key`);
    }
    return createSecretKey(bytes);
  } finally {
    bytes.fill(0);
  }
}
