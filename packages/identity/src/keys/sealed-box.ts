import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { IdentityError } from '../errors.ts';
import { decodeBase64url } from './base64url.ts';

const VERSION = 'v1';
const CIPHER = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts `plaintext` with AES-256-GCM under `key` into `v1.<nonce>.<ciphertext+tag>`
 * (base64url). `aad` names where the value belongs (`signing-key:<kid>`,
 * `client-secret:<client_id>`): the value opens only with the same `aad`, so a
 * sealed value copied to another row does not open there.
 */
export function seal(key: KeyObject, plaintext: Buffer | string, aad: string): string {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(VERSION, aad));
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  const body = Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
}

/**
 * Opens what `seal` made. Every failure (malformed text, unknown version, wrong
 * key, wrong `aad`, tampering) is the same error with the same message, so the
 * caller learns nothing about which it was.
 */
export function open(key: KeyObject, sealed: string, aad: string): Buffer {
  try {
    checkKey(key);
    const parts = sealed.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION) throw new Error('format');
    const nonce = decodeBase64url(parts[1]!);
    const body = decodeBase64url(parts[2]!);
    if (nonce?.length !== NONCE_BYTES || !body || body.length < TAG_BYTES) throw new Error('format');
    const decipher = createDecipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(VERSION, aad));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
  } catch {
    // No cause: it could tell a format error from a wrong key.
    throw new IdentityError('ERR_SEALED_DATA', 'sealed data cannot be opened');
  }
}

/** Whether a stored value is in this format (`v1.`), as opposed to a keyring envelope (`og1:`). */
export function isSealedBox(value: string): boolean {
  return value.startsWith(`${VERSION}.`);
}

/** The version is authenticated too, so a later format cannot be confused with this one. */
function additionalData(version: string, aad: string): Buffer {
  return Buffer.from(`${version}:${aad}`, 'utf8');
}

function checkKey(key: KeyObject): void {
  if (key.type !== 'secret' || key.symmetricKeySize !== 32) {
    throw new IdentityError('ERR_KEY_UNAVAILABLE', 'the sealing key must be a 32-byte secret key');
  }
}
