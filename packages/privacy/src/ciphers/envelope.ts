import type { CipherAlgorithm, CiphertextHeader } from '../field-types.ts';
import { isCanonicalBase64url } from './base64url.ts';
import { cannotDecrypt } from './failure.ts';

/**
 * The envelope, format 1: one line of ASCII text for a database column.
 *
 *     og1:<alg>:<keyId>:<version>:<base64url(nonce ‖ ciphertext ‖ tag)>
 *
 * - `og1`      the format and its version; a later format gets a new prefix.
 * - `<alg>`    `a256gcm` (AES-256-GCM, 12-byte nonce, 16-byte tag) or
 *              `sm4hsm3` (SM4-CTR + HMAC-SM3, 16-byte IV, 32-byte tag).
 * - `<keyId>`  1–128 of `A–Z a–z 0–9 . _ -`: never the `:` separator.
 * - `<version>` the key version, decimal 1..2147483647, no sign, no leading zero.
 * - payload    base64url without padding, canonical (unused bits zero).
 *
 * Every part is checked on the way in: a string that parses is spelled
 * exactly as `sealField` writes it. See docs/privacy.md#the-envelope-format-1.
 */

export const FORMAT = 1;
export const FORMAT_TAG = 'og1';
export const MAX_VERSION = 2 ** 31 - 1;
/** The largest plaintext a field may hold: 1 MiB. */
export const MAX_FIELD_BYTES = 2 ** 20;

export interface AlgorithmShape {
  code: string;
  nonceBytes: number;
  tagBytes: number;
}

export const SHAPES: Readonly<Record<CipherAlgorithm, AlgorithmShape>> = {
  'aes-256-gcm': { code: 'a256gcm', nonceBytes: 12, tagBytes: 16 },
  'sm4-ctr-hmac-sm3': { code: 'sm4hsm3', nonceBytes: 16, tagBytes: 32 },
};

const BY_CODE = new Map<string, CipherAlgorithm>(
  Object.entries(SHAPES).map(([algorithm, shape]) => [shape.code, algorithm as CipherAlgorithm]),
);

const KEY_ID = /^[A-Za-z0-9._-]{1,128}$/;
const VERSION = /^[1-9][0-9]{0,9}$/;
/** Longest possible envelope: the parts above at their limits. Longer input is refused before any work. */
const MAX_TEXT = 3 + 1 + 7 + 1 + 128 + 1 + 10 + 1 + Math.ceil(((16 + MAX_FIELD_BYTES + 32) * 4) / 3);

/** Whether a key id can be written into an envelope. The keyring checks its ids with this. */
export function isKeyId(keyId: unknown): keyId is string {
  return typeof keyId === 'string' && KEY_ID.test(keyId);
}

export function isKeyVersion(version: unknown): version is number {
  return Number.isSafeInteger(version) && (version as number) >= 1 && (version as number) <= MAX_VERSION;
}

/** `og1:<alg>:<keyId>:<version>:`, the part of an envelope fixed by its key. */
export function headerText(algorithm: CipherAlgorithm, keyId: string, version: number): string {
  return `${FORMAT_TAG}:${SHAPES[algorithm].code}:${keyId}:${version}:`;
}

/** A header that passed every check, kept and shared: never to be modified. */
export interface CheckedHeader {
  /** `og1:<alg>:<keyId>:<version>:`; the payload starts at its length. */
  text: string;
  header: Readonly<CiphertextHeader>;
}

/**
 * Headers already checked, by their text: a column holds few distinct ones
 * (one per key version), and checking is most of the cost of parsing.
 * Bounded, since the texts come from outside; only valid headers get in.
 */
const checkedHeaders = new Map<string, CheckedHeader>();
const MAX_CHECKED_HEADERS = 1024;
let lastHeader: CheckedHeader | undefined;

/**
 * Parses and checks every part; throws only PrivacyError('ERR_PRIVACY_CIPHERTEXT').
 * The payload is `text.slice(result.text.length)`: canonical base64url of a
 * length the algorithm allows.
 */
export function parseEnvelope(text: unknown): CheckedHeader {
  const checked = parseHeader(text);
  if (!isCanonicalBase64url(text as string, checked.text.length)) throw cannotDecrypt();
  return checked;
}

/**
 * `parseEnvelope` short of the payload's alphabet, which `openField` checks
 * as it decodes (payload.ts): the header and the payload's length.
 */
export function parseHeader(text: unknown): CheckedHeader {
  if (typeof text !== 'string' || text.length > MAX_TEXT) throw cannotDecrypt();
  let checked = lastHeader;
  // The common case, a column read row after row: no slicing or hashing of the header.
  if (checked === undefined || !text.startsWith(checked.text)) {
    // The fourth separator ends the header; the payload's alphabet has no `:`, so a fifth fails its check.
    let end = 0;
    for (let i = 0; i < 4; i++) {
      end = text.indexOf(':', end) + 1;
      if (end === 0) throw cannotDecrypt();
    }
    const headerText = text.slice(0, end);
    checked = checkedHeaders.get(headerText) ?? checkHeader(headerText);
    lastHeader = checked;
  }
  const shape = SHAPES[checked.header.algorithm];
  const bytes = Math.floor(((text.length - checked.text.length) * 3) / 4);
  if (
    bytes < shape.nonceBytes + shape.tagBytes ||
    bytes > shape.nonceBytes + MAX_FIELD_BYTES + shape.tagBytes
  ) {
    throw cannotDecrypt();
  }
  return checked;
}

function checkHeader(text: string): CheckedHeader {
  const [tag, code, keyId, versionText] = text.split(':') as [string, string, string, string];
  const algorithm = BY_CODE.get(code);
  if (tag !== FORMAT_TAG || algorithm === undefined || !KEY_ID.test(keyId) || !VERSION.test(versionText)) {
    throw cannotDecrypt();
  }
  const version = Number(versionText);
  if (version > MAX_VERSION) throw cannotDecrypt();
  const checked: CheckedHeader = { text, header: { format: FORMAT, algorithm, keyId, version } };
  if (checkedHeaders.size >= MAX_CHECKED_HEADERS) checkedHeaders.clear();
  checkedHeaders.set(text, checked);
  return checked;
}
