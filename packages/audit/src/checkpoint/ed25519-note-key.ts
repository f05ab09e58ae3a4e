import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { AuditError } from '../errors.ts';
import { isValidKeyName, type NoteSigner, type NoteVerifier } from './note.ts';
import { decodeStrictBase64 } from './strict-base64.ts';

/** Signature type byte of plain Ed25519 note signatures (signed-note, "Signature types"). */
export const NOTE_SIG_TYPE_ED25519 = 0x01;

const ED25519_PUBLIC_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;
const KEY_ID_HEX = /^[0-9a-f]{8}$/;

export interface Ed25519NoteSigner extends NoteSigner {
  /** The verifier key, `name+keyid+base64(0x01 ‖ pubkey)`, to publish. */
  readonly vkey: string;
}

/** The recommended key ID: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ type ‖ public key), big-endian. */
export function noteKeyId(name: string, sigType: number, publicKey: Uint8Array): number {
  const digest = createHash('sha256')
    .update(name, 'utf8')
    .update(Uint8Array.of(0x0a, sigType))
    .update(publicKey)
    .digest();
  return digest.readUInt32BE(0);
}

/** The C2SP vkey text of an Ed25519 public key (or of the public half of a private key). */
export function vkeyOf(name: string, publicKey: KeyObject): string {
  checkName(name);
  const raw = rawPublicKey(publicKey);
  const keyId = noteKeyId(name, NOTE_SIG_TYPE_ED25519, raw);
  const encoded = Buffer.concat([Uint8Array.of(NOTE_SIG_TYPE_ED25519), raw]).toString('base64');
  return `${name}+${keyId.toString(16).padStart(8, '0')}+${encoded}`;
}

/** A note signer for an Ed25519 private key under the key name `name`. */
export function ed25519NoteSigner(name: string, privateKey: KeyObject): Ed25519NoteSigner {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new AuditError('ERR_AUDIT_INVALID', 'the note signing key must be an Ed25519 private key');
  }
  const vkey = vkeyOf(name, privateKey);
  const keyId = noteKeyId(name, NOTE_SIG_TYPE_ED25519, rawPublicKey(privateKey));
  return {
    name,
    keyId,
    vkey,
    sign: async (text) => sign(null, text, privateKey),
  };
}

/** A note verifier from a vkey string; refuses a vkey whose key ID does not match its name and key. */
export function ed25519NoteVerifier(vkey: string): NoteVerifier {
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) badVkey();
  const name = vkey.slice(0, first);
  const keyIdHex = vkey.slice(first + 1, second);
  const key = decodeStrictBase64(vkey.slice(second + 1));
  if (!isValidKeyName(name) || !KEY_ID_HEX.test(keyIdHex) || key === undefined) badVkey();
  if (key.length !== 1 + ED25519_PUBLIC_BYTES || key[0] !== NOTE_SIG_TYPE_ED25519) badVkey();
  const raw = key.subarray(1);
  const keyId = Number.parseInt(keyIdHex, 16);
  if (noteKeyId(name, NOTE_SIG_TYPE_ED25519, raw) !== keyId) badVkey();
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
      format: 'jwk',
    });
  } catch (cause) {
    throw new AuditError('ERR_AUDIT_INVALID', 'malformed verifier key', { cause });
  }
  return {
    name,
    keyId,
    verify(text, signature) {
      if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
      try {
        return verify(null, text, publicKey, signature);
      } catch {
        return false;
      }
    },
  };
}

function rawPublicKey(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new AuditError('ERR_AUDIT_INVALID', 'the note key must be an Ed25519 key');
  }
  const { x } = publicKey.export({ format: 'jwk' });
  return Buffer.from(x ?? '', 'base64url');
}

function checkName(name: string): void {
  if (!isValidKeyName(name)) throw new AuditError('ERR_AUDIT_INVALID', 'invalid note key name');
}

function badVkey(): never {
  throw new AuditError('ERR_AUDIT_INVALID', 'malformed verifier key');
}
