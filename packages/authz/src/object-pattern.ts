/**
 * Casbin's `keyMatch2(r.obj, p.obj)`, compiled once per policy line instead
 * of once per call. Casbin turns the pattern into a regular expression each
 * time; the common shapes (no wildcard, one trailing `/*`) become a string
 * comparison here, the rest the very regular expression Casbin would build.
 */
export type ObjectMatcher = (obj: string) => boolean;

/** The same pattern as plain fields, for the decision loop to test without a call. */
export interface ObjectPattern {
  /** 0: equal to `text`; 1: starts with `text`; 2: `regex`. */
  kind: 0 | 1 | 2;
  text: string;
  regex: RegExp | undefined;
}

export function objectPattern(pattern: string): ObjectPattern {
  if (PLAIN.test(pattern)) return { kind: 0, text: pattern, regex: undefined };
  if (pattern.endsWith('/*') && PLAIN.test(pattern.slice(0, -1))) {
    return { kind: 1, text: pattern.slice(0, -1), regex: undefined };
  }
  return { kind: 2, text: pattern, regex: keyMatch2Regex(pattern) };
}

/** Characters that mean nothing special in a regular expression. */
const PLAIN = /^[A-Za-z0-9_\-/~]*$/;

export function compileObjectPattern(pattern: string): ObjectMatcher {
  if (PLAIN.test(pattern)) return (obj) => obj === pattern;
  if (pattern.endsWith('/*') && PLAIN.test(pattern.slice(0, -1))) {
    // `^prefix/.*$`; `.` never matches a line break, and validated requests hold none.
    const prefix = pattern.slice(0, -1);
    return (obj) => obj.startsWith(prefix);
  }
  const regex = keyMatch2Regex(pattern);
  return (obj) => regex.test(obj);
}

/** The expression node-casbin's `keyMatch2` builds (casbin 5.x `util/builtinOperators`). */
export function keyMatch2Regex(pattern: string): RegExp {
  let key = pattern.replace(/\/\*/g, '/.*');
  const param = /(.*):[^/]+(.*)/g;
  while (key.includes('/:')) key = key.replace(param, '$1[^/]+$2');
  if (key === '*') key = '(.*)';
  return new RegExp(`^${key}$`);
}
