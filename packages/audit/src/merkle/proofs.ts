import { AuditError } from '../errors.ts';
import { emptyRoot, HASH_BYTES, nodeHash } from './hashes.ts';
import { isCount, nodeId, rangeNodes, type LeafRange, type NodeKey } from './node-key.ts';

/**
 * Reads stored node hashes: one 32-byte hash per key, in the order asked. Every proof, and every
 * `hashRanges` call, reads through it once, with O(log n) distinct keys.
 */
export type NodeReader = (keys: readonly NodeKey[]) => Promise<Buffer[]>;

/**
 * The leaf ranges whose hashes make the inclusion proof (audit path) of leaf `index` in the tree of
 * `size` leaves, bottom-up, in the order of RFC 9162 §2.1.3.1 (RFC 6962 `PATH`).
 */
export function inclusionPieces(index: number, size: number): LeafRange[] {
  if (!isCount(index) || !isCount(size) || index >= size) {
    throw new AuditError('ERR_AUDIT_INVALID', 'a leaf index must be below the tree size');
  }
  return pathPieces(0, index, size);
}

/**
 * The leaf ranges whose hashes make the consistency proof from the tree of `from` leaves to the tree
 * of `to` leaves, in the order of RFC 9162 §2.1.4.1 (RFC 6962 `PROOF`). Empty when `from === to`.
 */
export function consistencyPieces(from: number, to: number): LeafRange[] {
  if (!isCount(from) || !isCount(to) || from === 0 || from > to) {
    throw new AuditError('ERR_AUDIT_INVALID', 'a consistency proof needs 0 < old size ≤ new size');
  }
  if (from === to) return [];
  // The largest complete subtree that ends at `from`; its path to the new root is the proof.
  let level = 0;
  while (from % 2 ** (level + 1) === 0) level++;
  const index = from / 2 ** level - 1;
  const path = pathPieces(level, index, to);
  // When `from` is a power of two that subtree is the old root, which the verifier already holds.
  return index === 0 ? path : [{ start: from - 2 ** level, end: from }, ...path];
}

/**
 * The siblings on the way from the complete node `(level, index)` up to the root of the tree of
 * `size` leaves. At each level the sibling is the leaf range next to the node, cut at `size`; a left
 * sibling is always complete, a right one may be the partial right edge. Where no sibling exists the
 * RFC tree has no node either (a lone left child is its parent), so nothing is added.
 */
function pathPieces(level: number, index: number, size: number): LeafRange[] {
  const pieces: LeafRange[] = [];
  let node = index;
  let last = Math.floor((size - 1) / 2 ** level);
  for (let width = 2 ** level; last > 0; width *= 2) {
    if (node % 2 === 1) pieces.push({ start: (node - 1) * width, end: node * width });
    else if (node < last) pieces.push({ start: (node + 1) * width, end: Math.min((node + 2) * width, size) });
    node = Math.floor(node / 2);
    last = Math.floor(last / 2);
  }
  return pieces;
}

/**
 * The RFC 6962 `MTH` of each leaf range, from stored nodes, in one batched read (keys de-duplicated
 * across ranges, so a caller may ask for a proof and a root together). A range is computable from
 * stored nodes only when its `rangeNodes` shrink strictly from left to right (every node of an RFC
 * tree, every tree head `[0, size)`); any other range is refused. An empty range hashes to the
 * empty-tree root without a read.
 */
export async function hashRanges(ranges: readonly LeafRange[], read: NodeReader): Promise<Buffer[]> {
  const keys: NodeKey[] = [];
  const positionOf = new Map<string, number>();
  const plans = ranges.map((range) =>
    subtreeNodes(range).map((key) => {
      const id = nodeId(key);
      let position = positionOf.get(id);
      if (position === undefined) {
        position = keys.push(key) - 1;
        positionOf.set(id, position);
      }
      return position;
    }),
  );
  const hashes = keys.length === 0 ? [] : await read(keys);
  if (hashes.length !== keys.length || hashes.some((hash) => hash.length !== HASH_BYTES)) {
    throw new AuditError('ERR_AUDIT_VERIFY', 'the stored tree is missing nodes or has malformed ones');
  }
  return plans.map((positions) => {
    const nodes = positions.map((position) => hashes[position] as Buffer);
    if (nodes.length === 0) return emptyRoot();
    // Right to left: MTH(D[a:b]) = HASH(MTH(left node) ‖ MTH(the rest)). Copied: never alias storage.
    return Buffer.from(nodes.reduceRight((right, left) => nodeHash(left, right)));
  });
}

function subtreeNodes(range: LeafRange): NodeKey[] {
  const nodes = rangeNodes(range.start, range.end);
  for (let i = 1; i < nodes.length; i++) {
    if ((nodes[i] as NodeKey).level >= (nodes[i - 1] as NodeKey).level) {
      throw new AuditError('ERR_AUDIT_INVALID', 'a leaf range is not a subtree of the log');
    }
  }
  return nodes;
}

/** The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1). */
export async function inclusionProof(index: number, size: number, read: NodeReader): Promise<Buffer[]> {
  return hashRanges(inclusionPieces(index, size), read);
}

/** The consistency proof from tree size `from` to tree size `to` (RFC 9162 §2.1.4.1). */
export async function consistencyProof(from: number, to: number, read: NodeReader): Promise<Buffer[]> {
  return hashRanges(consistencyPieces(from, to), read);
}

/** The root of the tree of the first `size` leaves, for any size the log has reached. */
export async function rootAt(size: number, read: NodeReader): Promise<Buffer> {
  if (!isCount(size)) throw new AuditError('ERR_AUDIT_INVALID', 'a tree size must be a whole number');
  const [root] = await hashRanges([{ start: 0, end: size }], read);
  return root as Buffer;
}
