import { createHash, hash } from 'node:crypto';

/** RFC 6962 §2.1 / RFC 9162 §2.1.1: domain-separated SHA-256, so a leaf can never pass for a node. */
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export const HASH_BYTES = 32;

/**
 * The input of the one-shot `crypto.hash`, prefix first, reused call after
 * call (hashing is synchronous, and each thread has its own). A streaming
 * `Hash` object cost as much again as the hashing itself: the log's writer
 * hashes every leaf and about one node per leaf.
 */
const LEAF_INPUT = Buffer.alloc(1 + 4096);
const NODE_INPUT = Buffer.alloc(1 + 2 * HASH_BYTES);
NODE_INPUT[0] = 0x01;

/** `SHA-256(0x00 ‖ leaf)`. */
export function leafHash(leaf: Uint8Array): Buffer {
  if (leaf.length >= LEAF_INPUT.length) return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
  LEAF_INPUT.set(leaf, 1);
  return hash('sha256', LEAF_INPUT.subarray(0, 1 + leaf.length), 'buffer');
}

/** `SHA-256(0x01 ‖ left ‖ right)`. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_BYTES || right.length !== HASH_BYTES) {
    return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
  }
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_BYTES);
  return hash('sha256', NODE_INPUT, 'buffer');
}

/** The root of the empty tree: `SHA-256("")`. */
export function emptyRoot(): Buffer {
  return createHash('sha256').digest();
}
