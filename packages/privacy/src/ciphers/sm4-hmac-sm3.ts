import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * GM mode: SM4-CTR with a random 128-bit initial counter block, then
 * HMAC-SM3 over (associated data ‖ IV ‖ ciphertext), the full 32-byte tag
 * (encrypt-then-MAC). The associated data is self-delimiting (length-prefixed
 * parts) and the IV fixed-length, so the MAC input splits one way only.
 * Opening checks the tag in constant time before decrypting anything.
 */

/** Writes ciphertext ‖ tag into `out` after the IV. */
export function sealSm4HmacSm3(
  encKey: KeyObject,
  macKey: KeyObject,
  aad: Uint8Array,
  iv: Uint8Array,
  plaintext: Buffer,
  out: Buffer,
): void {
  const cipher = createCipheriv('sm4-ctr', encKey, iv);
  const body = cipher.update(plaintext);
  cipher.final();
  body.copy(out, iv.length);
  createHmac('sm3', macKey)
    .update(aad)
    .update(iv)
    .update(body)
    .digest()
    .copy(out, iv.length + body.length);
}

/** Returns undefined when the tag does not verify. */
export function openSm4HmacSm3(
  encKey: KeyObject,
  macKey: KeyObject,
  aad: Uint8Array,
  iv: Uint8Array,
  body: Uint8Array,
  tag: Uint8Array,
): Buffer | undefined {
  const expected = createHmac('sm3', macKey).update(aad).update(iv).update(body).digest();
  if (!timingSafeEqual(expected, tag)) return undefined;
  const decipher = createDecipheriv('sm4-ctr', encKey, iv);
  const plaintext = decipher.update(body);
  decipher.final();
  return plaintext;
}
