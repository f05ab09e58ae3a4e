import { createDecipheriv, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openFieldText, sealField, type CipherAlgorithm, type DataKey } from '../src/index.ts';

/**
 * The format as docs/privacy.md#ciphertext-format specifies it, checked against an
 * implementation that is not ours. The two envelopes below were written by
 * a separate Python program (pyca/cryptography AESGCM and SM4-CTR, hashlib
 * HMAC-SM3, RFC 5869 HKDF by hand) from the spec, with fixed nonces; the
 * tests also take our envelopes apart by hand with the raw primitives.
 */
const material = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const place = { table: 'accounts', column: 'id_number', row: '1001' };
const keyId = 'identity.accounts.id_number';
const value = '11010519491231002X';

const AES_VECTOR =
  'og1:a256gcm:identity.accounts.id_number:3:AAECAwQFBgcICQoLdjPmKvXQ8yK5eKa5gthIXbGOUKXoX30WdOrWQwjhomzYTQ';
const SM4_VECTOR =
  'og1:sm4hsm3:identity.accounts.id_number:3:8PHy8_T19vf4-fr7_P3-_z1ajZlWQL1J0sF5E2Q8yH2x4pg3nd-k-iRbcTdCIau8fz8ANmXOkT-60RvsgonEC_9k';
const SM4_ENC_KEY = '6db776ab823b9fde88f7278c4d087c56';
const SM4_MAC_KEY = 'cce0b07a711fd95aa04b82a3fda82320bc17ca7076a4d2aa0aa707bcf16d2347';

function dataKey(algorithm: CipherAlgorithm): DataKey {
  return { keyId, version: 3, algorithm, material: createSecretKey(material) };
}

/** u32 big-endian byte length, then the UTF-8 bytes. */
function lp(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function aad(code: string, version: number): Buffer {
  const v = Buffer.alloc(4);
  v.writeUInt32BE(version);
  return Buffer.concat([lp('og1'), lp(code), lp(keyId), v, lp(place.table), lp(place.column), lp(place.row)]);
}

/** RFC 5869 by hand with HMAC-SM3, empty salt. */
function hkdfSm3(info: string, length: number): Buffer {
  const prk = createHmac('sm3', Buffer.alloc(32)).update(material).digest();
  let block = Buffer.alloc(0);
  const out: Buffer[] = [];
  for (let i = 1; out.length * 32 < length; i++) {
    block = createHmac('sm3', prk)
      .update(Buffer.concat([block, Buffer.from(info), Buffer.of(i)]))
      .digest();
    out.push(block);
  }
  return Buffer.concat(out).subarray(0, length);
}

function payloadOf(envelope: string): Buffer {
  return Buffer.from(envelope.slice(envelope.lastIndexOf(':') + 1), 'base64url');
}

describe('format og1, AES-256-GCM', () => {
  it('opens the independently written vector', () => {
    expect(openFieldText(AES_VECTOR, place, () => dataKey('aes-256-gcm'))).toBe(value);
  });

  it('writes what the spec says: nonce ‖ ciphertext ‖ tag under the length-prefixed associated data', () => {
    const sealed = sealField(dataKey('aes-256-gcm'), value, place);
    expect(sealed.startsWith(`og1:a256gcm:${keyId}:3:`)).toBe(true);
    const payload = payloadOf(sealed);
    const decipher = createDecipheriv('aes-256-gcm', material, payload.subarray(0, 12), {
      authTagLength: 16,
    });
    decipher.setAuthTag(payload.subarray(-16));
    decipher.setAAD(aad('a256gcm', 3));
    const plaintext = Buffer.concat([decipher.update(payload.subarray(12, -16)), decipher.final()]);
    expect(plaintext.toString()).toBe(value);
  });
});

describe('format og1, SM4-CTR + HMAC-SM3', () => {
  it('derives its keys by HKDF-SM3 under the documented labels', () => {
    expect(hkdfSm3('onegate og1 sm4-ctr-hmac-sm3 encryption key', 16).toString('hex')).toBe(SM4_ENC_KEY);
    expect(hkdfSm3('onegate og1 sm4-ctr-hmac-sm3 hmac key', 32).toString('hex')).toBe(SM4_MAC_KEY);
  });

  it('opens the independently written vector', () => {
    expect(openFieldText(SM4_VECTOR, place, () => dataKey('sm4-ctr-hmac-sm3'))).toBe(value);
  });

  it('writes IV ‖ ciphertext ‖ HMAC-SM3(aad ‖ IV ‖ ciphertext), the full 32-byte tag', () => {
    const payload = payloadOf(sealField(dataKey('sm4-ctr-hmac-sm3'), value, place));
    expect(payload).toHaveLength(16 + 18 + 32);
    const tag = createHmac('sm3', Buffer.from(SM4_MAC_KEY, 'hex'))
      .update(Buffer.concat([aad('sm4hsm3', 3), payload.subarray(0, -32)]))
      .digest();
    expect(timingSafeEqual(tag, payload.subarray(-32))).toBe(true);
    const decipher = createDecipheriv('sm4-ctr', Buffer.from(SM4_ENC_KEY, 'hex'), payload.subarray(0, 16));
    expect(Buffer.concat([decipher.update(payload.subarray(16, -32)), decipher.final()]).toString()).toBe(
      value,
    );
  });
});
