import type { DataKey } from '../field-types.ts';
import { invalid } from './key-errors.ts';
import { SUBJECT_KEY_PREFIX } from './key-ids.ts';
import type { Keyring } from './keyring.ts';
import type { ShredResult } from './keyring-info.ts';

const SUBJECT_ID = /^[A-Za-z0-9._-]{1,120}$/;

/** `subject.<subjectId>`; a subject id is 1-120 of `A-Z a-z 0-9 . _ -` (an account id, a UUID). */
export function subjectKeyId(subjectId: unknown): string {
  if (typeof subjectId !== 'string' || !SUBJECT_ID.test(subjectId)) {
    throw invalid('a subject id is 1 to 120 characters of A-Z a-z 0-9 . _ -');
  }
  return `${SUBJECT_KEY_PREFIX}${subjectId}`;
}

/**
 * One data key per data subject, so that erasing a person is deleting one
 * key (crypto-shredding): every field encrypted under it, wherever it was
 * copied, can never be decrypted again, while everyone else's data is untouched.
 */
export class SubjectKeys {
  readonly #keyring: Keyring;

  constructor(keyring: Keyring) {
    this.#keyring = keyring;
  }

  /**
   * The key to encrypt this subject's fields with, made on first use.
   * ERR_PRIVACY_KEY_SHREDDED once the subject was shredded, unless
   * `allowAfterShred` (say, the person registers again and consents anew).
   */
  async subjectKey(
    subjectId: string,
    options: { allowAfterShred?: boolean; actor?: string } = {},
  ): Promise<DataKey> {
    return this.#keyring.primaryKey(subjectKeyId(subjectId), options);
  }

  /** Deletes every version of the subject's key, audited as `privacy.key.shred` with `actor`. */
  async shred(subjectId: string, actor: string): Promise<ShredResult> {
    return this.#keyring.shred(subjectKeyId(subjectId), actor);
  }

  async isShredded(subjectId: string): Promise<boolean> {
    return this.#keyring.isShredded(subjectKeyId(subjectId));
  }
}
