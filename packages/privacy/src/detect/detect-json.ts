import { findIn, kindsOf } from './detect-text.ts';
import type { DetectOptions, JsonFinding } from './findings.ts';
import { mapLeaves, type JsonValue } from './json-walk.ts';

/**
 * Finds personal data in every string and safe-integer number of a JSON
 * value, recursively (see `detectText`). Each finding names its location as
 * an RFC 9535 normalized path (`$['user']['phones'][0]`) and the span within
 * that string (for a number: within its decimal text).
 */
export function detectJson(value: JsonValue, options: DetectOptions = {}): JsonFinding[] {
  const kinds = kindsOf(options);
  const includeValue = Boolean(options.includeValue);
  const findings: JsonFinding[] = [];
  mapLeaves(value, (text, path, original) => {
    for (const finding of findIn(text, kinds, includeValue)) findings.push({ path, ...finding });
    return original;
  });
  return findings;
}
