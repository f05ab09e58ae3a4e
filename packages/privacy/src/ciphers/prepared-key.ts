import { createSecretKey, hkdfSync, KeyObject } from 'node:crypto';
import type { CipherAlgorithm, DataKey } from '../field-types.ts';
import { headerAad } from './associated-data.ts';
import { FORMAT_TAG, headerText, isKeyId, isKeyVersion, SHAPES } from './envelope.ts';
import { invalid } from './failure.ts';

/** What a data key needs per field, worked out once per key rather than per field. */
export type PreparedKey = PreparedHeader &
  (
    | { algorithm: 'aes-256-gcm'; encKey: KeyObject }
    /** SM4 and HMAC-SM3 keys, derived from the material. */
    | { algorithm: 'sm4-ctr-hmac-sm3'; encKey: KeyObject; macKey: KeyObject }
  );

interface PreparedHeader {
  keyId: string;
  version: number;
  algorithm: CipherAlgorithm;
  /** `og1:<alg>:<keyId>:<version>:` */
  text: string;
  /** The header half of the associated data. */
  aad: Buffer;
}

/**
 * Keyed by the material, not the DataKey: a keyring may hand out a fresh
 * DataKey object for the same key on every lookup. The identity fields are
 * compared on every use, so a key reused under another id or algorithm is
 * prepared again rather than served stale.
 */
const prepared = new WeakMap<KeyObject, PreparedKey>();

export function prepareKey(key: DataKey): PreparedKey {
  const material = (key as Partial<DataKey> | null)?.material;
  const hit = material instanceof KeyObject ? prepared.get(material) : undefined;
  if (hit && hit.keyId === key.keyId && hit.version === key.version && hit.algorithm === key.algorithm) {
    return hit;
  }
  const fresh = prepare(key);
  prepared.set(key.material, fresh);
  return fresh;
}

/** Labels of the HKDF-SM3 subkeys of GM mode: distinct, so the cipher and MAC keys are independent. */
export const SM4_ENC_INFO = 'onegate og1 sm4-ctr-hmac-sm3 encryption key';
export const SM4_MAC_INFO = 'onegate og1 sm4-ctr-hmac-sm3 hmac key';

function prepare(key: DataKey): PreparedKey {
  if (typeof key !== 'object' || key === null) throw invalid('a data key is an object');
  const { keyId, version, algorithm, material } = key;
  if (!isKeyId(keyId) || !isKeyVersion(version) || !Object.hasOwn(SHAPES, algorithm)) {
    throw invalid(
      'a data key needs a key id of 1-128 [A-Za-z0-9._-], a version 1..2^31-1 and a known algorithm',
    );
  }
  if (!(material instanceof KeyObject) || material.type !== 'secret' || material.symmetricKeySize !== 32) {
    throw invalid('a data key needs 32 bytes of secret key material as a KeyObject');
  }
  const base = {
    keyId,
    version,
    text: headerText(algorithm, keyId, version),
    aad: headerAad(FORMAT_TAG, SHAPES[algorithm].code, keyId, version),
  };
  switch (algorithm) {
    case 'aes-256-gcm':
      return { ...base, algorithm, encKey: material };
    case 'sm4-ctr-hmac-sm3':
      return {
        ...base,
        algorithm,
        encKey: subkey(material, SM4_ENC_INFO, 16),
        macKey: subkey(material, SM4_MAC_INFO, 32),
      };
  }
}

/** HKDF-SM3 with an empty salt: the material is already uniformly random, so extract needs no salt. */
function subkey(material: KeyObject, info: string, bytes: number): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sm3', material, Buffer.alloc(0), info, bytes)));
}
