import { PrivacyError } from '../errors.ts';

/** Key ids and versions are named in messages; key material never is. */

export function invalid(message: string): PrivacyError {
  return new PrivacyError('ERR_PRIVACY_INVALID', message);
}

export function keyNotFound(keyId: string, version?: number): PrivacyError {
  const what = version === undefined ? `key "${keyId}"` : `version ${version} of key "${keyId}"`;
  return new PrivacyError('ERR_PRIVACY_KEY_NOT_FOUND', `no ${what}`);
}

export function keyRetired(keyId: string, version: number, why: string): PrivacyError {
  return new PrivacyError('ERR_PRIVACY_KEY_RETIRED', `version ${version} of key "${keyId}" ${why}`);
}

export function keyShredded(keyId: string): PrivacyError {
  return new PrivacyError(
    'ERR_PRIVACY_KEY_SHREDDED',
    `key "${keyId}" was destroyed (erasure): what it encrypted can never be decrypted`,
  );
}

export function kekFailure(message: string, cause?: unknown): PrivacyError {
  return new PrivacyError('ERR_PRIVACY_KEK', message, cause === undefined ? undefined : { cause });
}
