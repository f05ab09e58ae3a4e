import { createCipheriv, createDecipheriv, createHmac, KeyObject, randomBytes } from 'node:crypto';
import { kekFailure } from './key-errors.ts';

/**
 * The key-encryption key: wraps and unwraps data keys and never hands its
 * own material out. The local provider below keeps it in memory; an external
 * KMS or HSM implements the same three members (its `unwrap` must fail, never
 * return other bytes, when `aad` differs from the one given to `wrap`).
 */
export interface KeyEncryptionKey {
  /**
   * Names this KEK; stored beside every key it wrapped, so the keyring can
   * tell "wrapped by another KEK" from "altered" and pick the right KEK while
   * the KEK itself is being rotated. Not secret.
   */
  readonly id: string;
  wrap(dataKey: Buffer, aad: Buffer): Promise<Buffer>;
  unwrap(wrapped: Buffer, aad: Buffer): Promise<Buffer>;
}

/** Local wrapping, format 1: `0x01 ‖ nonce (12) ‖ ciphertext ‖ tag (16)`, AES-256-GCM. */
const FORMAT = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_LABEL = 'onegate privacy kek id v1';

/**
 * A KEK held in this process, from a key file or an environment variable
 * (see `kek-file.ts`). Its id is `local:` and 16 hex digits of an HMAC of a
 * fixed label under the key: the same key always has the same id, and the id
 * tells nothing about the key.
 */
export class LocalKek implements KeyEncryptionKey {
  readonly id: string;
  readonly #key: KeyObject;

  constructor(key: KeyObject) {
    if (!(key instanceof KeyObject) || key.type !== 'secret' || key.symmetricKeySize !== 32) {
      throw kekFailure('a local key-encryption key is 32 bytes of secret key material');
    }
    this.#key = key;
    this.id = `local:${createHmac('sha256', key).update(KEY_ID_LABEL).digest('hex').slice(0, 16)}`;
  }

  async wrap(dataKey: Buffer, aad: Buffer): Promise<Buffer> {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT), nonce, body, cipher.getAuthTag()]);
  }

  async unwrap(wrapped: Buffer, aad: Buffer): Promise<Buffer> {
    try {
      if (wrapped.length < 1 + NONCE_BYTES + TAG_BYTES || wrapped[0] !== FORMAT) throw new Error('format');
      const nonce = wrapped.subarray(1, 1 + NONCE_BYTES);
      const tag = wrapped.subarray(wrapped.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      return Buffer.concat([
        decipher.update(wrapped.subarray(1 + NONCE_BYTES, -TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      // One message whatever failed (format, wrong KEK, altered, moved): no oracle, no cause.
      throw kekFailure(
        'the key-encryption key cannot unwrap this data key: wrong KEK, or the wrapped key was altered or moved',
      );
    }
  }

  /** Never the key: `JSON.stringify` and `util.inspect` show the id only. */
  toJSON(): { id: string } {
    return { id: this.id };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `LocalKek { id: '${this.id}' }`;
  }
}
