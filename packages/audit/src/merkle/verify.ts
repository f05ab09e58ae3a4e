import { timingSafeEqual } from 'node:crypto';
import { AuditError } from '../errors.ts';
import { HASH_BYTES, nodeHash } from './hashes.ts';
import { isCount } from './node-key.ts';

/*
 * Verification throws, it does not return a boolean: a forgotten `if` around a boolean fails open,
 * a forgotten `try` fails closed. Every failure, from a malformed input to a wrong root, is the same
 * `AuditError('ERR_AUDIT_VERIFY')` with one fixed message, so the error says nothing about which
 * part was wrong (no oracle) and echoes no input.
 */

/** A proof longer than this cannot belong to a tree of at most 2^53 leaves. */
const MAX_PROOF_HASHES = 64;

function fail(): never {
  throw new AuditError('ERR_AUDIT_VERIFY', 'the Merkle proof does not verify');
}

function isHash(hash: Uint8Array): boolean {
  return hash.length === HASH_BYTES;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function isPowerOfTwo(n: number): boolean {
  if (n <= 0) return false;
  let odd = n;
  while (odd % 2 === 0) odd /= 2;
  return odd === 1;
}

/**
 * The root that an inclusion proof leads to from `leafHash` at `index` in a tree of `size` leaves
 * (RFC 9162 §2.1.3.2 steps 1–4, and "sn is 0" of step 5). Compare it with a root you trust, or call
 * `verifyInclusion`. Throws `ERR_AUDIT_VERIFY` when the proof cannot belong to such a tree.
 */
export function rootFromInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
): Buffer {
  if (!isCount(index) || !isCount(size) || index >= size) fail();
  if (!isHash(leafHash) || proof.length > MAX_PROOF_HASHES || !proof.every(isHash)) fail();
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) fail();
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      // A lone left child is its own parent: climb past the levels where `fn` has no sibling.
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) fail();
  return r;
}

/**
 * Checks that `proof` proves the leaf with hash `leafHash` at `index` in the tree of `size` leaves
 * whose root is `root` (RFC 9162 §2.1.3.2). Returns nothing; throws `ERR_AUDIT_VERIFY` otherwise.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  if (!sameBytes(rootFromInclusion(leafHash, index, size, proof), root)) fail();
}

/**
 * Checks that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves with
 * root `root1` (RFC 9162 §2.1.4.2). Returns nothing; throws `ERR_AUDIT_VERIFY` otherwise.
 *
 * Like transparency-dev/merkle: `size1 = 0` is refused (a proof from the empty tree says nothing),
 * and equal sizes verify only with an empty proof and byte-equal roots.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  if (!isCount(size1) || !isCount(size2) || size1 === 0 || size1 > size2) fail();
  if (size1 === size2) {
    if (proof.length !== 0 || !sameBytes(root1, root2)) fail();
    return;
  }
  // Step 1: a proof between different sizes is never empty.
  if (proof.length === 0 || proof.length > MAX_PROOF_HASHES || !proof.every(isHash)) fail();
  if (!isHash(root1) || !isHash(root2)) fail();
  // Step 2: when size1 is a power of two the old root is the first node of the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  // Step 3–4.
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 5.
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr = fr;
  // Step 6.
  for (const c of path.slice(1)) {
    if (sn === 0) fail();
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 7.
  if (sn !== 0 || !sameBytes(fr, root1) || !sameBytes(sr, root2)) fail();
}
