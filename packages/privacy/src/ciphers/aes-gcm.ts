import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto';

/** AES-256-GCM with a random 96-bit nonce (chosen by the caller, written at `out[0, 12)`) and a full 128-bit tag. */
const TAG = 16;

/** Writes ciphertext ‖ tag into `out` after the nonce. */
export function sealAesGcm(
  key: KeyObject,
  aad: Uint8Array,
  nonce: Uint8Array,
  plaintext: Buffer,
  out: Buffer,
): void {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
  cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  cipher.final();
  body.copy(out, nonce.length);
  cipher.getAuthTag().copy(out, nonce.length + body.length);
}

/** Throws (a Node error) when the tag does not verify; the caller turns that into its one error. */
export function openAesGcm(
  key: KeyObject,
  aad: Uint8Array,
  nonce: Uint8Array,
  body: Uint8Array,
  tag: Uint8Array,
): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
  decipher.setAuthTag(tag);
  decipher.setAAD(aad);
  const plaintext = decipher.update(body);
  decipher.final();
  return plaintext;
}
