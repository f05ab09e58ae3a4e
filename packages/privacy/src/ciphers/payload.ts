import { randomFillSync } from 'node:crypto';
import { decodeBase64url, isCanonicalBase64url } from './base64url.ts';
import { SHAPES } from './envelope.ts';
import { openAesGcm, sealAesGcm } from './aes-gcm.ts';
import type { PreparedKey } from './prepared-key.ts';
import { scratch } from './scratch.ts';
import { openSm4HmacSm3, sealSm4HmacSm3 } from './sm4-hmac-sm3.ts';

/**
 * The payload of an envelope, nonce ‖ ciphertext ‖ tag, in and out of
 * base64url. Payloads of up to 4 KiB are laid out in a scratch buffer (see
 * scratch.ts), larger ones in their own.
 */
const area = scratch(4096 + 64);

export function sealPayload(key: PreparedKey, aad: Uint8Array, plaintext: Buffer): string {
  const { nonceBytes, tagBytes } = SHAPES[key.algorithm];
  const length = nonceBytes + plaintext.length + tagBytes;
  const small = length <= area.bytes.length;
  const out = small ? area.bytes : Buffer.allocUnsafe(length);
  const nonce = randomFillSync(small ? area.view(0, nonceBytes) : out.subarray(0, nonceBytes));
  switch (key.algorithm) {
    case 'aes-256-gcm':
      sealAesGcm(key.encKey, aad, nonce, plaintext, out);
      break;
    case 'sm4-ctr-hmac-sm3':
      sealSm4HmacSm3(key.encKey, key.macKey, aad, nonce, plaintext, out);
      break;
  }
  return out.toString('base64url', 0, length);
}

/**
 * The payload is `text` from `from`, of a length the algorithm allows
 * (`parseHeader`). Returns undefined, or throws, when it is not canonical
 * base64url or does not open.
 */
export function openPayload(
  key: PreparedKey,
  aad: Uint8Array,
  text: string,
  from: number,
): Buffer | undefined {
  let length: number;
  let view: (offset: number, length: number) => Uint8Array;
  if (Math.floor(((text.length - from) * 3) / 4) <= area.bytes.length) {
    length = decodeBase64url(text, from, area.bytes);
    if (length < 0) return undefined;
    view = area.view;
  } else {
    // Bulk: Node's decoder, once its fixed cost no longer matters; it is lenient, so check first.
    if (!isCanonicalBase64url(text, from)) return undefined;
    const bytes = Buffer.from(text.slice(from), 'base64url');
    length = bytes.length;
    view = (offset, size) => bytes.subarray(offset, offset + size);
  }
  const { nonceBytes, tagBytes } = SHAPES[key.algorithm];
  const nonce = view(0, nonceBytes);
  const body = view(nonceBytes, length - nonceBytes - tagBytes);
  const tag = view(length - tagBytes, tagBytes);
  switch (key.algorithm) {
    case 'aes-256-gcm':
      return openAesGcm(key.encKey, aad, nonce, body, tag);
    case 'sm4-ctr-hmac-sm3':
      return openSm4HmacSm3(key.encKey, key.macKey, aad, nonce, body, tag);
  }
}
