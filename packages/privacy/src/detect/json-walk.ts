import { PrivacyError } from '../errors.ts';
import { childPath, ROOT } from './json-path.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Deeper nesting than any payload OneGate writes; refusing it keeps the recursion off the stack limit. */
export const MAX_JSON_DEPTH = 256;

/** What to put in place of a string or a safe-integer number (given as its decimal text). */
export type LeafMapper = (text: string, path: string, original: string | number) => JsonValue;

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Copies a JSON value, passing every string and every safe-integer number to
 * `map` with its path. Numbers beyond 2^53 are left alone: they have already
 * lost digits, so no check character or Luhn digit can be trusted on them
 * (keep identifiers as strings). Object keys are not scanned: OneGate's
 * payloads use fixed keys. `undefined` properties pass through (TypeScript
 * objects often carry them); other non-JSON values (functions, class
 * instances, bigints), cycles and nesting deeper than `MAX_JSON_DEPTH` are refused.
 */
export function mapLeaves(value: unknown, map: LeafMapper): unknown {
  const ancestors = new Set<object>();
  const visit = (node: unknown, path: string, depth: number): unknown => {
    switch (typeof node) {
      case 'string':
        return map(node, path, node);
      case 'number':
        return Number.isSafeInteger(node) ? map(String(node), path, node) : node;
      case 'boolean':
      case 'undefined':
        return node;
      case 'object': {
        if (node === null) return null;
        if (depth >= MAX_JSON_DEPTH)
          throw new PrivacyError('ERR_PRIVACY_INVALID', 'the JSON value is nested too deeply');
        if (ancestors.has(node))
          throw new PrivacyError('ERR_PRIVACY_INVALID', 'the JSON value contains a cycle');
        ancestors.add(node);
        let copy: unknown;
        if (Array.isArray(node)) {
          copy = node.map((item: unknown, i) => visit(item, childPath(path, i), depth + 1));
        } else if (isPlainObject(node)) {
          const out: Record<string, unknown> = {};
          for (const [key, item] of Object.entries(node)) {
            // defineProperty, not assignment: an own `__proto__` key (JSON.parse makes them) stays a key.
            const copied = visit(item, childPath(path, key), depth + 1);
            Object.defineProperty(out, key, {
              value: copied,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          }
          copy = out;
        } else {
          throw new PrivacyError(
            'ERR_PRIVACY_INVALID',
            'only JSON values (plain objects, arrays, scalars) are scanned',
          );
        }
        ancestors.delete(node);
        return copy;
      }
      case 'bigint':
      case 'symbol':
      case 'function':
        throw new PrivacyError('ERR_PRIVACY_INVALID', `a ${typeof node} is not a JSON value`);
    }
  };
  return visit(value, ROOT, 0);
}
