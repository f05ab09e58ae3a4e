import { createHash } from 'node:crypto';

/** RFC 6962 §2.1 / RFC 9162 §2.1.1: domain-separated SHA-256, so a leaf can never pass for a node. */
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export const HASH_BYTES = 32;

/** `SHA-256(0x00 ‖ leaf)`. */
export function leafHash(leaf: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
}

/** `SHA-256(0x01 ‖ left ‖ right)`. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** The root of the empty tree: `SHA-256("")`. */
export function emptyRoot(): Buffer {
  return createHash('sha256').digest();
}
