import { AuditError } from '../errors.ts';

/**
 * A complete aligned subtree of the log: it covers the leaves `[index·2^level, (index+1)·2^level)`.
 * Level 0 is a leaf hash. The log stores the hash of every such node once it is complete, and it
 * never changes after that.
 */
export interface NodeKey {
  readonly level: number;
  readonly index: number;
}

/** A half-open range of leaf indices `[start, end)`. */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The leaf range `[start, end)` cut into the fewest complete aligned subtrees, left to right.
 * Sizes are safe integers, not 32-bit ones: all arithmetic here is `/` and `%`, never `>>`.
 */
export function rangeNodes(start: number, end: number): NodeKey[] {
  if (!isCount(start) || !isCount(end) || start > end) {
    throw new AuditError('ERR_AUDIT_INVALID', 'a leaf range must be two tree sizes, start ≤ end');
  }
  const nodes: NodeKey[] = [];
  let at = start;
  while (at < end) {
    let level = 0;
    // Grow while the next bigger node still starts at `at` and ends within the range.
    while (at % 2 ** (level + 1) === 0 && at + 2 ** (level + 1) <= end) level++;
    nodes.push({ level, index: at / 2 ** level });
    at += 2 ** level;
  }
  return nodes;
}

/** A tree size or leaf index: a non-negative safe integer. */
export function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** A stable string for a key, for maps and de-duplication. */
export function nodeId(key: NodeKey): string {
  return `${key.level}/${key.index}`;
}
