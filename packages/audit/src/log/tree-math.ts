import { AuditError } from '../errors.ts';
import type { NodeKey } from '../merkle/node-key.ts';

export type { NodeKey };

/** Above this a subtree's leaf range leaves the safe-integer range. */
export const MAX_LEVEL = 52;

/** `2^level` as an exact number (bit shifts stop at 32 bits; tree sizes do not). */
export function pow2(level: number): number {
  return 2 ** level;
}

/** The first leaf index a node covers. */
export function firstLeaf(key: NodeKey): number {
  return key.index * pow2(key.level);
}

/** The leaf count at which the node becomes complete: `(index+1)·2^level`. */
export function completeAt(key: NodeKey): number {
  return (key.index + 1) * pow2(key.level);
}

/**
 * The compact range of `[0, size)`: one complete subtree per set bit of
 * `size`, highest level first. Their hashes are all the tree needs to append.
 */
export function frontierKeys(size: number): NodeKey[] {
  const keys: NodeKey[] = [];
  for (let level = MAX_LEVEL; level >= 0; level--) {
    const covered = Math.floor(size / pow2(level));
    if (covered % 2 === 1) keys.push({ level, index: covered - 1 });
  }
  return keys;
}

/** How many nodes of level ≥ 1 a tree of `size` leaves stores: `size − popcount(size)`. */
export function storedNodeCount(size: number): number {
  return size - frontierKeys(size).length;
}

export function checkNodeKey(key: NodeKey): void {
  const { level, index } = key;
  if (
    !Number.isInteger(level) ||
    level < 0 ||
    level > MAX_LEVEL ||
    !Number.isSafeInteger(index) ||
    index < 0 ||
    !Number.isSafeInteger(completeAt(key))
  ) {
    throw new AuditError('ERR_AUDIT_INVALID', 'a node key must be a level 0–52 and an index ≥ 0');
  }
}

export function checkIndex(index: number, what: string): void {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new AuditError('ERR_AUDIT_INVALID', `${what} must be an integer ≥ 0`);
  }
}
