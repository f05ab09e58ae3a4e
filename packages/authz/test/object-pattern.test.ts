import { describe, expect, it } from 'vitest';
import { compileObjectPattern, keyMatch2Regex, objectPattern } from '../src/object-pattern.ts';

/** Every pattern shape the decision index special-cases, and some it leaves to the regular expression. */
const PATTERNS = [
  '/a/b',
  '/a/*',
  '/a/*/c',
  '/a/*/c/*',
  '/*/b/*/c',
  '/a/*/*',
  '/*',
  '*',
  '/a/:id',
  '/a/:id/*',
  '/a.b/*',
];
const SEGMENTS = ['a', 'b', 'c', 'ab', 'a.b', 'axb', '', 'c/c'];

function* objects(): Generator<string> {
  for (const x of SEGMENTS) {
    yield `/${x}`;
    for (const y of SEGMENTS) {
      yield `/${x}/${y}`;
      for (const z of SEGMENTS) yield `/${x}/${y}/${z}`;
    }
  }
}

describe('object patterns', () => {
  it('answer as the regular expression Casbin builds for keyMatch2', () => {
    let compared = 0;
    for (const pattern of PATTERNS) {
      const regex = keyMatch2Regex(pattern);
      const matches = compileObjectPattern(pattern);
      for (const obj of objects()) {
        expect(matches(obj), `${pattern} against ${obj}`).toBe(regex.test(obj));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(5_000);
  });

  it('use string comparisons for the common shapes and the expression for the rest', () => {
    expect(objectPattern('/a/b').kind).toBe(0);
    expect(objectPattern('/a/*').kind).toBe(1);
    expect(objectPattern('/a/*/c/*')).toMatchObject({ kind: 3, parts: ['/a/', '/c/', ''] });
    // `.` is "any character" in Casbin's expression, and `:id` a segment.
    expect(objectPattern('/a.b/*').kind).toBe(2);
    expect(objectPattern('/a/:id').kind).toBe(2);
    expect(compileObjectPattern('/a.b/*')('/axb/c')).toBe(true);
  });
});
