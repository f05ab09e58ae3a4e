import { PrivacyError } from '../errors.ts';
import { MAX_FIELD_BYTES } from '../ciphers/envelope.ts';
import type { FieldContext } from '../field-types.ts';

/** The most items one call may carry. */
export const MAX_ITEMS = 1000;

/**
 * Where an app's field lives, in the same terms as its authorization: the
 * collection is `department/segment/…` (the resource path of the table),
 * the row its record id, the field its column. The ciphertext is bound to
 * all three, and a decrypt is authorized on `collection/row/field`, so an app
 * cannot have a value opened under another record's permission.
 */
export interface FieldAddress {
  collection: string;
  row: string;
  field: string;
}

const DEPARTMENT = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const SEGMENT = /^[A-Za-z0-9._~-]{1,128}$/;
const FIELD = /^[a-z][a-z0-9_]{0,62}$/;
const SLUG = DEPARTMENT;
/** A resource has at most 16 segments: the collection leaves two for the row and the field. */
const MAX_COLLECTION_SEGMENTS = 14;

export function invalid(message: string): PrivacyError {
  return new PrivacyError('ERR_PRIVACY_INVALID', message);
}

export function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** Refuses fields the caller did not mean: a misspelt `purpose` must not pass as "no purpose". */
export function onlyFields(body: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw invalid(`${what} has only the fields ${allowed.join(', ')}`);
}

/** `{items: […]}` of 1 to 1,000 items, each checked by `item`; errors name the item (`items[3]: …`). */
export function items<T>(body: Record<string, unknown>, item: (value: Record<string, unknown>) => T): T[] {
  const list = body['items'];
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ITEMS) {
    throw invalid(`items must be a list of 1 to ${MAX_ITEMS} items`);
  }
  return eachItem(list, (value) => item(object(value, 'an item')));
}

/**
 * Runs `each` over parsed items; an error names the item, so a value that
 * fails late (a phone number the index cannot read) is still "items[3]: …".
 */
export function eachItem<T, R>(list: readonly T[], each: (item: T) => R): R[] {
  return list.map((item, i) => {
    try {
      return each(item);
    } catch (err) {
      if (err instanceof PrivacyError) throw new PrivacyError(err.code, `items[${i}]: ${err.message}`);
      throw err;
    }
  });
}

/** A value to seal: well-formed text of at most 1 MiB in UTF-8. */
export function fieldValue(value: unknown): string {
  const textValue = text(value, 'value');
  if (!textValue.isWellFormed()) throw invalid('value is not well-formed text');
  if (Buffer.byteLength(textValue, 'utf8') > MAX_FIELD_BYTES) throw invalid('value is at most 1 MiB');
  return textValue;
}

export function text(value: unknown, what: string, max = 1 << 20): string {
  if (typeof value !== 'string') throw invalid(`${what} must be a string`);
  if (value.length > max) throw invalid(`${what} is too long`);
  return value;
}

export function optionalText(value: unknown, what: string, max?: number): string | undefined {
  return value === undefined || value === null ? undefined : text(value, what, max);
}

export function collection(value: unknown): string {
  const path = text(value, 'collection', 2048);
  const segments = path.split('/');
  if (
    segments.length < 2 ||
    segments.length > MAX_COLLECTION_SEGMENTS ||
    !DEPARTMENT.test(segments[0]!) ||
    !segments.slice(1).every((s) => SEGMENT.test(s) && s !== '.' && s !== '..')
  ) {
    throw invalid(
      'collection must be "department/segment/…": a department id, then 1 to 13 segments of A-Z a-z 0-9 . _ ~ -',
    );
  }
  return path;
}

export function row(value: unknown): string {
  const id = text(value, 'row', 128);
  if (!SEGMENT.test(id) || id === '.' || id === '..')
    throw invalid('row must be 1 to 128 of A-Z a-z 0-9 . _ ~ -');
  return id;
}

export function field(value: unknown): string {
  const name = text(value, 'field', 63);
  if (!FIELD.test(name)) throw invalid('field must be a lower-case name: a-z, then a-z 0-9 _ (at most 63)');
  return name;
}

export function address(body: Record<string, unknown>): FieldAddress {
  return { collection: collection(body['collection']), row: row(body['row']), field: field(body['field']) };
}

export function contextOf(address: FieldAddress): FieldContext {
  return { table: address.collection, column: address.field, row: address.row };
}

/** What a decrypt is authorized on: the field of the record. */
export function resourceOf(address: FieldAddress): string {
  return `${address.collection}/${address.row}/${address.field}`;
}

/**
 * The key chain of a collection's field when the app names none: one per
 * department, dataset and field (`civil-affairs.residents.id_number`),
 * whatever the deeper path. Characters a key id cannot hold become `_`.
 */
export function defaultKeyId(collection: string, field: string): string {
  const [department, dataset] = collection.split('/');
  return `${department}.${dataset!.replace(/[^A-Za-z0-9_-]/g, '_')}.${field}`.slice(0, 128);
}

export function slug(value: unknown, what: string): string {
  if (typeof value !== 'string' || !SLUG.test(value)) {
    throw invalid(`${what} must be a lower-case slug (a-z 0-9 -, at most 64)`);
  }
  return value;
}
