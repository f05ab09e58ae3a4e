import { AuditError } from '../errors.ts';

/**
 * RFC 8785 (JSON Canonicalization Scheme): the bytes an audit event is hashed as.
 *
 * Ours rather than the `canonicalize` package (used as a cross-check in the tests):
 * that package follows `JSON.stringify` and so silently drops `undefined` members,
 * calls `toJSON` (a `Date` becomes a string) and unboxes `new Number(1)`. For a
 * tamper-evident log the input must be exactly a JSON value, or two different
 * in-memory events could hash alike; once every value is checked that strictly,
 * the serialization left over is a few lines. The hard parts, ECMAScript number
 * formatting (RFC 8785 §3.2.2.3) and string escaping (§3.2.2.2), are
 * `JSON.stringify` on a primitive, which is exactly what the RFC specifies.
 */

/** Nesting deeper than this is refused (audit events are shallow; this bounds the recursion). */
export const JCS_MAX_DEPTH = 64;

export interface CanonicalJsonOptions {
  /** Maximum nesting of arrays and objects; default {@link JCS_MAX_DEPTH}. */
  readonly maxDepth?: number;
}

/** The canonical UTF-8 bytes of a JSON value; throws `ERR_AUDIT_INVALID` for anything outside I-JSON. */
export function canonicalJson(value: unknown, options?: CanonicalJsonOptions): Buffer {
  return Buffer.from(canonicalJsonString(value, options), 'utf8');
}

/** The canonical form as a string (encode it as UTF-8 before hashing or signing). */
export function canonicalJsonString(value: unknown, options?: CanonicalJsonOptions): string {
  const maxDepth = options?.maxDepth ?? JCS_MAX_DEPTH;
  // Fast path: check every value as strictly as `serialize` does while copying objects with
  // their members in canonical order, then let the engine's JSON.stringify escape strings and
  // format numbers (exactly what the RFC specifies, and several times faster than per value).
  // Array-index keys ("0", "17") are the exception: engines enumerate them first, in numeric
  // order, whatever the insertion order, so an object with one takes the slow path.
  const copy = canonicalCopy(value, maxDepth);
  return copy === REORDERED ? serialize(value, 0, maxDepth, []) : JSON.stringify(copy);
}

/** What `canonicalCopy` returns for a value whose members `JSON.stringify` would reorder. */
export const REORDERED: unique symbol = Symbol('array-index keys');

/**
 * A copy of a JSON value, checked as strictly as the canonical form is, with
 * every object's members inserted in canonical order: `JSON.stringify` of it
 * is the canonical form, unless it is `REORDERED` (a member named like an
 * array index, which engines enumerate first whatever the insertion order).
 */
export function canonicalCopy(value: unknown, maxDepth = JCS_MAX_DEPTH): unknown {
  const state = { reorderedKeys: false };
  const copy = sortedCopy(value, 0, maxDepth, [], state);
  return state.reorderedKeys ? REORDERED : copy;
}

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;
const isDigit = (code: number) => code >= 48 && code <= 57;

function sortedCopy(
  value: unknown,
  depth: number,
  maxDepth: number,
  ancestors: object[],
  state: { reorderedKeys: boolean },
): unknown {
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) refuse('a string with a lone surrogate');
      return value;
    case 'number':
      if (!Number.isFinite(value)) refuse('a number that is not finite');
      return value;
    case 'boolean':
      return value;
    case 'object': {
      if (value === null) return null;
      if (depth >= maxDepth) refuse('nesting too deep');
      // The open objects above this one: a short list (events are shallow), cheaper than a Set.
      if (ancestors.includes(value)) refuse('a cycle');
      ancestors.push(value);
      let copy: unknown;
      if (Array.isArray(value)) {
        const items = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++)
          items[i] = sortedCopy(value[i], depth + 1, maxDepth, ancestors, state);
        copy = items;
      } else {
        checkPlainObject(value);
        const record = value as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        // Array.prototype.sort's default order compares UTF-16 code units: RFC 8785 §3.2.3.
        for (const key of Object.keys(record).sort()) {
          if (!key.isWellFormed()) refuse('a string with a lone surrogate');
          if (isDigit(key.charCodeAt(0)) && ARRAY_INDEX.test(key)) state.reorderedKeys = true;
          out[key] = sortedCopy(record[key], depth + 1, maxDepth, ancestors, state);
        }
        copy = out;
      }
      ancestors.pop();
      return copy;
    }
    case 'undefined':
    case 'bigint':
    case 'symbol':
    case 'function':
      return refuse(`a value of type ${typeof value}`);
  }
}

function checkPlainObject(value: object): void {
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) refuse('an object that is not a plain object');
  if (Object.getOwnPropertySymbols(value).length > 0) refuse('a symbol-keyed property');
}

function serialize(value: unknown, depth: number, maxDepth: number, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value);
    case 'number':
      if (!Number.isFinite(value)) refuse('a number that is not finite');
      // ECMAScript Number::toString; -0 serializes as 0, as the RFC requires.
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return serializeContainer(value, depth, maxDepth, ancestors);
    case 'undefined':
    case 'bigint':
    case 'symbol':
    case 'function':
      return refuse(`a value of type ${typeof value}`);
  }
}

function serializeContainer(value: object, depth: number, maxDepth: number, ancestors: object[]): string {
  if (depth >= maxDepth) refuse('nesting too deep');
  if (ancestors.includes(value)) refuse('a cycle');
  ancestors.push(value);
  let out: string;
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (let i = 0; i < value.length; i++) items.push(serialize(value[i], depth + 1, maxDepth, ancestors));
    out = `[${items.join(',')}]`;
  } else {
    checkPlainObject(value);
    const record = value as Record<string, unknown>;
    // Array.prototype.sort's default order compares UTF-16 code units: RFC 8785 §3.2.3.
    const members = Object.keys(record)
      .sort()
      .map((key) => `${serializeString(key)}:${serialize(record[key], depth + 1, maxDepth, ancestors)}`);
    out = `{${members.join(',')}}`;
  }
  ancestors.pop();
  return out;
}

function serializeString(value: string): string {
  // A lone surrogate has no UTF-8 form (I-JSON, RFC 7493 §2.1).
  if (!value.isWellFormed()) refuse('a string with a lone surrogate');
  return JSON.stringify(value);
}

function refuse(what: string): never {
  throw new AuditError('ERR_AUDIT_INVALID', `not canonicalizable JSON: ${what}`);
}
