/**
 * Casbin's `keyMatch2(r.obj, p.obj)`, compiled once per policy line instead
 * of once per call. Casbin turns the pattern into a regular expression each
 * time; the common shapes (no wildcard, `/*` wildcards only) become string
 * comparisons here, the rest the very regular expression Casbin would build.
 */
export type ObjectMatcher = (obj: string) => boolean;

/** The same pattern as plain fields, for the decision loop to test without a call. */
export interface ObjectPattern {
  /** 0: equal to `text`; 1: starts with `text`; 2: `regex`; 3: `parts` with anything between them. */
  kind: 0 | 1 | 2 | 3;
  text: string;
  regex: RegExp | undefined;
  /** For kind 3: the literal pieces `/*` splits the pattern into, each `/*` read as `/` then anything. */
  parts: readonly string[];
}

const NO_PARTS: readonly string[] = Object.freeze([]);

export function objectPattern(pattern: string): ObjectPattern {
  if (PLAIN.test(pattern)) return { kind: 0, text: pattern, regex: undefined, parts: NO_PARTS };
  if (pattern.endsWith('/*') && PLAIN.test(pattern.slice(0, -1))) {
    return { kind: 1, text: pattern.slice(0, -1), regex: undefined, parts: NO_PARTS };
  }
  if (pattern.includes('/*') && PLAIN.test(pattern.replaceAll('/*', ''))) {
    // `/*` becomes `/.*`: the pieces between the `.*`s must appear in order.
    const parts = pattern.replaceAll('/*', '/\u0000').split('\u0000');
    return { kind: 3, text: pattern, regex: undefined, parts };
  }
  return { kind: 2, text: pattern, regex: keyMatch2Regex(pattern), parts: NO_PARTS };
}

/** Characters that mean nothing special in a regular expression. */
const PLAIN = /^[A-Za-z0-9_\-/~]*$/;

export function compileObjectPattern(pattern: string): ObjectMatcher {
  const compiled = objectPattern(pattern);
  switch (compiled.kind) {
    case 0:
      return (obj) => obj === compiled.text;
    case 1:
      // `^prefix/.*$`; `.` never matches a line break, and validated requests hold none.
      return (obj) => obj.startsWith(compiled.text);
    case 2:
      return (obj) => compiled.regex!.test(obj);
    case 3:
      return (obj) => partsMatch(obj, compiled.parts);
  }
}

/**
 * `^p0.*p1.*…pn$` without a regular expression: the first piece starts the
 * object, the last ends it, and each one between is found leftmost after the
 * previous (leftmost is never worse when every gap is `.*`).
 */
export function partsMatch(obj: string, parts: readonly string[]): boolean {
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!obj.startsWith(first)) return false;
  let at = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = obj.indexOf(parts[i]!, at);
    if (found < 0) return false;
    at = found + parts[i]!.length;
  }
  return obj.length - last.length >= at && obj.endsWith(last);
}

/** The expression node-casbin's `keyMatch2` builds (casbin 5.x `util/builtinOperators`). */
export function keyMatch2Regex(pattern: string): RegExp {
  let key = pattern.replace(/\/\*/g, '/.*');
  const param = /(.*):[^/]+(.*)/g;
  while (key.includes('/:')) key = key.replace(param, '$1[^/]+$2');
  if (key === '*') key = '(.*)';
  return new RegExp(`^${key}$`);
}
