import { isUtf8 } from 'node:buffer';
import type { CiphertextHeader, DataKey, FieldContext, KeyResolver } from '../field-types.ts';
import { associatedData, checkContext } from './associated-data.ts';
import { MAX_FIELD_BYTES, parseEnvelope, parseHeader } from './envelope.ts';
import { cannotDecrypt, invalid } from './failure.ts';
import { openPayload, sealPayload } from './payload.ts';
import { prepareKey } from './prepared-key.ts';

/**
 * Encrypts one field value under `key`, bound to where it is stored
 * (`context`): the envelope text for the column (see envelope.ts).
 * Synchronous: a field costs microseconds, less than a trip through the
 * thread pool would.
 *
 * @example
 *   const stored = sealField(key, '13812341234', { table: 'accounts', column: 'phone', row: id });
 *   const phone = openFieldText(stored, { table: 'accounts', column: 'phone', row: id }, keyring.resolve);
 */
export function sealField(key: DataKey, plaintext: string | Uint8Array, context: FieldContext): string {
  checkContext(context);
  const prepared = prepareKey(key);
  const data = toBytes(plaintext);
  const aad = associatedData(prepared.aad, context);
  return prepared.text + sealPayload(prepared, aad, data);
}

/**
 * Decrypts a value sealed by `sealField` for the same `context`. Every
 * failure of the ciphertext itself is PrivacyError('ERR_PRIVACY_CIPHERTEXT');
 * errors thrown by `resolve` (key not found, retired, shredded) pass through.
 */
export function openField(ciphertext: string, context: FieldContext, resolve: KeyResolver): Buffer {
  const { header, text: headerText } = parseHeader(ciphertext);
  checkContext(context);
  const prepared = prepareKey(resolve(header.keyId, header.version));
  // A header edited to name another algorithm must not get the key used under it.
  if (
    prepared.algorithm !== header.algorithm ||
    prepared.keyId !== header.keyId ||
    prepared.version !== header.version
  ) {
    throw cannotDecrypt();
  }
  const aad = associatedData(prepared.aad, context);
  let plaintext: Buffer | undefined;
  try {
    plaintext = openPayload(prepared, aad, ciphertext, headerText.length);
  } catch {
    // Deliberately no cause: Node's message would say which check failed.
  }
  if (plaintext === undefined) throw cannotDecrypt();
  return plaintext;
}

/** `openField` for values sealed as text. */
export function openFieldText(ciphertext: string, context: FieldContext, resolve: KeyResolver): string {
  const plaintext = openField(ciphertext, context, resolve);
  if (!isUtf8(plaintext)) throw invalid('the value was sealed as bytes, not text: open it with openField');
  return plaintext.toString('utf8');
}

/** What a ciphertext names (format, algorithm, key id and version), read without a key; for rotation and rewrap. */
export function readHeader(ciphertext: string): CiphertextHeader {
  const { format, algorithm, keyId, version } = parseEnvelope(ciphertext).header;
  return { format, algorithm, keyId, version };
}

function toBytes(plaintext: string | Uint8Array): Buffer {
  let bytes: Buffer;
  if (typeof plaintext === 'string') {
    // A lone surrogate would come back as U+FFFD: refuse rather than alter the value.
    if (!plaintext.isWellFormed()) throw invalid('the value is not well-formed text');
    bytes = Buffer.from(plaintext, 'utf8');
  } else if (plaintext instanceof Uint8Array) {
    bytes = Buffer.isBuffer(plaintext)
      ? plaintext
      : Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
  } else {
    throw invalid('a field value is text or bytes');
  }
  if (bytes.length > MAX_FIELD_BYTES) throw invalid('a field value is at most 1 MiB');
  return bytes;
}
