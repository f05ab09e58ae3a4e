import { PrivacyError } from '../errors.ts';

/**
 * One error, one fixed message for every way a ciphertext fails to open
 * (malformed, tampered with, wrong key, wrong place): nothing for an
 * attacker to tell apart, and nothing of the input echoed into logs.
 */
export function cannotDecrypt(): PrivacyError {
  return new PrivacyError(
    'ERR_PRIVACY_CIPHERTEXT',
    'the value cannot be decrypted: it is malformed, was altered, or belongs to another key or place',
  );
}

export function invalid(message: string): PrivacyError {
  return new PrivacyError('ERR_PRIVACY_INVALID', message);
}
