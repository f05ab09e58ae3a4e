import type { CipherAlgorithm } from '../field-types.ts';
import { isKeyId, isKeyVersion } from '../ciphers/envelope.ts';
import { invalid } from './key-errors.ts';

/**
 * What a key chain is for. Bound into every wrapped key's associated data, so
 * a wrapped subject key cannot be passed off as a column key or the
 * blind-index root, and it decides how the keyring caches the chain.
 */
export type KeyPurpose = 'field' | 'subject' | 'blind-index';

/** Key ids of data subjects: `subject.<subjectId>` (a key id may not hold `:`, the envelope's separator). */
export const SUBJECT_KEY_PREFIX = 'subject.';
/** The root key the blind-index keys of every column are derived from. */
export const BLIND_INDEX_ROOT_KEY_ID = 'blind-index-root';

export const ALGORITHMS: readonly CipherAlgorithm[] = ['aes-256-gcm', 'sm4-ctr-hmac-sm3'];

export function purposeOf(keyId: string): KeyPurpose {
  if (keyId.startsWith(SUBJECT_KEY_PREFIX)) return 'subject';
  return keyId === BLIND_INDEX_ROOT_KEY_ID ? 'blind-index' : 'field';
}

/** A key id as the ciphertext envelope can carry it: 1-128 of `A-Z a-z 0-9 . _ -`. */
export function checkKeyId(keyId: unknown): string {
  if (!isKeyId(keyId)) throw invalid('a key id is 1 to 128 characters of A-Z a-z 0-9 . _ -');
  if (keyId === SUBJECT_KEY_PREFIX) throw invalid('a subject key id names its subject');
  return keyId;
}

export function checkVersion(version: unknown): number {
  if (!isKeyVersion(version)) throw invalid('a key version is a whole number from 1 to 2147483647');
  return version;
}

export function checkAlgorithm(algorithm: unknown): CipherAlgorithm {
  if (!ALGORITHMS.includes(algorithm as CipherAlgorithm)) {
    throw invalid(`the algorithm is one of ${ALGORITHMS.join(', ')}`);
  }
  return algorithm as CipherAlgorithm;
}

/** Who acted, as recorded in the audit log and the shredding tombstone. */
export function checkActor(actor: unknown): string {
  if (typeof actor !== 'string' || actor.trim() === '' || actor.length > 200) {
    throw invalid('the actor is text of 1 to 200 characters');
  }
  return actor;
}
