import { sm2 } from 'sm-crypto-v2';
import { AuditError } from '../errors.ts';
import { decodeSignatureDer, encodeSignatureDer } from './ecdsa-der.ts';
import { noteKeyId } from './ed25519-note-key.ts';
import { isValidKeyName, type NoteSigner, type NoteVerifier } from './note.ts';
import { decodeStrictBase64 } from './strict-base64.ts';

/**
 * SM2 note signatures for GM deployments: GB/T 32918.2 SM2 with SM3 over the
 * note text, the default distinguishing ID, DER `SEQUENCE { r, s }`. SM2 has
 * no signature type byte of its own in c2sp.org/signed-note, so it takes the
 * reserved 0xff followed by the identifier `sm2-sm3`, as the spec recommends:
 * the key ID is SHA-256(name ‖ 0x0A ‖ 0xff ‖ "sm2-sm3" ‖ 04‖x‖y)[:4] and the
 * vkey `name+keyid+base64(0xff ‖ "sm2-sm3" ‖ 04‖x‖y)`. Node's OpenSSL signs
 * only plain ECDSA on the SM2 curve (no Z_A), hence sm-crypto-v2.
 */

/** The signed-note signature type byte reserved for types with no byte of their own. */
export const NOTE_SIG_TYPE_OTHER = 0xff;
/** What follows 0xff in the key ID input and the vkey. */
export const SM2_NOTE_SIG_ID = 'sm2-sm3';
/** The default distinguishing ID (GM/T 0009-2012 §10, GB/T 35276), OpenSSL's `distid`. */
export const SM2_DEFAULT_ID = '1234567812345678';

const TYPE = Buffer.concat([Uint8Array.of(NOTE_SIG_TYPE_OTHER), Buffer.from(SM2_NOTE_SIG_ID, 'ascii')]);
/** Uncompressed point 04 ‖ x ‖ y on sm2p256v1. */
const PUBLIC_BYTES = 65;
const PRIVATE_BYTES = 32;
/** The order of sm2p256v1 (GB/T 32918.5). */
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const KEY_ID_HEX = /^[0-9a-f]{8}$/;

export interface Sm2NoteSigner extends NoteSigner {
  /** The verifier key, `name+keyid+base64(0xff ‖ "sm2-sm3" ‖ pubkey)`, to publish. */
  readonly vkey: string;
}

/** A new SM2 private key d (32 bytes, 1 ≤ d ≤ n−2). */
export function generateSm2PrivateKey(): Buffer {
  for (;;) {
    const d = Buffer.from(sm2.generateKeyPairHex().privateKey, 'hex');
    if (isPrivateScalar(d)) return d;
  }
}

/** The C2SP vkey text of an SM2 public key (65 bytes, uncompressed). */
export function sm2VkeyOf(name: string, publicKey: Uint8Array): string {
  if (!isValidKeyName(name)) throw new AuditError('ERR_AUDIT_INVALID', 'invalid note key name');
  if (!isPublicPoint(publicKey)) badVkey();
  return vkeyText(name, publicKey);
}

/** A note signer for an SM2 private key d (32 bytes, big-endian) under the key name `name`. */
export function sm2NoteSigner(name: string, privateKey: Uint8Array): Sm2NoteSigner {
  if (!isValidKeyName(name)) throw new AuditError('ERR_AUDIT_INVALID', 'invalid note key name');
  if (!isPrivateScalar(privateKey)) {
    throw new AuditError('ERR_AUDIT_INVALID', 'the note signing key must be an SM2 private key');
  }
  const privateHex = Buffer.from(privateKey).toString('hex');
  const publicHex = sm2.getPublicKeyFromPrivateKey(privateHex);
  const publicKey = Buffer.from(publicHex, 'hex');
  return {
    name,
    keyId: sm2KeyId(name, publicKey),
    vkey: vkeyText(name, publicKey),
    sign: async (text) => {
      const rs = sm2.doSignature(text, privateHex, {
        hash: true,
        der: false,
        publicKey: publicHex,
        userId: SM2_DEFAULT_ID,
      });
      // Our own DER: one spelling, the one the verifier below accepts.
      return encodeSignatureDer(BigInt(`0x${rs.slice(0, 64)}`), BigInt(`0x${rs.slice(64)}`));
    },
  };
}

/**
 * A note verifier from an SM2 vkey; refuses (`ERR_AUDIT_INVALID`) a vkey of
 * another type, a point not on the curve, or a key ID that does not match.
 */
export function sm2NoteVerifier(vkey: string): NoteVerifier {
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) badVkey();
  const name = vkey.slice(0, first);
  const keyIdHex = vkey.slice(first + 1, second);
  const key = decodeStrictBase64(vkey.slice(second + 1));
  if (!isValidKeyName(name) || !KEY_ID_HEX.test(keyIdHex) || key === undefined) badVkey();
  if (key.length !== TYPE.length + PUBLIC_BYTES || !key.subarray(0, TYPE.length).equals(TYPE)) badVkey();
  const publicKey = key.subarray(TYPE.length);
  const keyId = Number.parseInt(keyIdHex, 16);
  if (sm2KeyId(name, publicKey) !== keyId || !isPublicPoint(publicKey)) badVkey();
  const point = sm2.precomputePublicKey(publicKey.toString('hex'));
  return {
    name,
    keyId,
    verify(text, signature) {
      const rs = decodeSignatureDer(signature);
      // The range check of GB/T 32918.2 §7.1 B1–B2, which the library leaves out.
      if (rs === undefined || rs.r < 1n || rs.r >= N || rs.s < 1n || rs.s >= N) return false;
      try {
        return sm2.doVerifySignature(text, `${hex32(rs.r)}${hex32(rs.s)}`, point, {
          hash: true,
          der: false,
          userId: SM2_DEFAULT_ID,
        });
      } catch {
        return false;
      }
    },
  };
}

function sm2KeyId(name: string, publicKey: Uint8Array): number {
  return noteKeyId(name, NOTE_SIG_TYPE_OTHER, Buffer.concat([TYPE.subarray(1), publicKey]));
}

function vkeyText(name: string, publicKey: Uint8Array): string {
  const keyId = sm2KeyId(name, publicKey).toString(16).padStart(8, '0');
  return `${name}+${keyId}+${Buffer.concat([TYPE, publicKey]).toString('base64')}`;
}

/** 04 ‖ x ‖ y, a point of sm2p256v1 other than infinity. */
function isPublicPoint(publicKey: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_BYTES || publicKey[0] !== 0x04) return false;
  try {
    return sm2.verifyPublicKey(Buffer.from(publicKey).toString('hex'));
  } catch {
    return false;
  }
}

/** SM2 private keys are 1 ≤ d ≤ n−2: signing inverts 1 + d. */
function isPrivateScalar(privateKey: Uint8Array): boolean {
  if (privateKey.length !== PRIVATE_BYTES) return false;
  const d = BigInt(`0x${Buffer.from(privateKey).toString('hex')}`);
  return d >= 1n && d <= N - 2n;
}

function hex32(value: bigint): string {
  return value.toString(16).padStart(64, '0');
}

function badVkey(): never {
  throw new AuditError('ERR_AUDIT_INVALID', 'malformed verifier key');
}
