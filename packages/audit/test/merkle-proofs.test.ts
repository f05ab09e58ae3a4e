import { describe, expect, it } from 'vitest';
import {
  consistencyPieces,
  consistencyProof,
  emptyRoot,
  hashRanges,
  inclusionPieces,
  inclusionProof,
  isAuditError,
  rangeNodes,
  rootAt,
  rootFromInclusion,
  verifyConsistency,
  verifyInclusion,
  type NodeReader,
} from '../src/index.ts';
import { ReferenceTree } from '../src/merkle/reference-tree.ts';
import { flipped, memoryReader, seededRandom, storedNodes } from './merkle-stored-nodes.ts';

const MAX_SIZE = 2048;
const leaves = Array.from({ length: MAX_SIZE }, (_, i) => Buffer.from(`audit entry ${i}`));
const nodes = storedNodes(leaves);
const reference = new ReferenceTree(leaves);
const leafHashAt = (index: number) => reference.root(index, index + 1);

/** The O(log n) bound on one proof's reads: at most 2·⌈log2 n⌉ stored nodes. */
const keyBound = (size: number) => Math.max(1, 2 * Math.ceil(Math.log2(size)));

function code(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    if (isAuditError(err)) return err.code;
    throw err;
  }
  return undefined;
}

async function rejection(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    if (isAuditError(err)) return err.code;
    throw err;
  }
  return undefined;
}

/** Builds the inclusion proof from stored nodes, checks it against the reference and verifies it. */
async function checkInclusion(index: number, size: number): Promise<void> {
  const { read, calls } = memoryReader(nodes, size);
  const proof = await inclusionProof(index, size, read);
  expect(proof).toEqual(reference.path(index, size));
  expect(calls.length).toBeLessThanOrEqual(1);
  expect(calls[0]?.length ?? 0).toBeLessThanOrEqual(keyBound(size));
  verifyInclusion(leafHashAt(index), index, size, proof, reference.root(0, size));
}

async function checkConsistency(from: number, to: number): Promise<void> {
  const { read, calls } = memoryReader(nodes, to);
  const proof = await consistencyProof(from, to, read);
  expect(proof).toEqual(reference.proof(from, to));
  expect(calls.length).toBeLessThanOrEqual(1);
  expect(calls[0]?.length ?? 0).toBeLessThanOrEqual(keyBound(to));
  verifyConsistency(from, to, proof, reference.root(0, from), reference.root(0, to));
}

describe('rangeNodes', () => {
  it('cuts a range into the fewest aligned complete subtrees, left to right', () => {
    expect(rangeNodes(0, 0)).toEqual([]);
    expect(rangeNodes(0, 8)).toEqual([{ level: 3, index: 0 }]);
    expect(rangeNodes(0, 7)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    expect(rangeNodes(3, 9)).toEqual([
      { level: 0, index: 3 },
      { level: 2, index: 1 },
      { level: 0, index: 8 },
    ]);
    expect(rangeNodes(2 ** 51, 2 ** 52)).toEqual([{ level: 51, index: 1 }]);
    expect(rangeNodes(0, Number.MAX_SAFE_INTEGER)).toHaveLength(53);
  });

  it('covers random ranges exactly with nodes no two of which could merge', () => {
    const random = seededRandom(6962);
    for (let i = 0; i < 500; i++) {
      const start = random(MAX_SIZE);
      const end = start + random(MAX_SIZE);
      const keys = rangeNodes(start, end);
      let at = start;
      for (const [k, { level, index }] of keys.entries()) {
        expect(index * 2 ** level).toBe(at);
        at += 2 ** level;
        const next = keys[k + 1];
        // Two equal-level neighbours starting at an even index are one node of the level above.
        if (next?.level === level) expect(index % 2).toBe(1);
      }
      expect(at).toBe(end);
    }
  });

  it('refuses ranges that are not two ordered tree sizes', () => {
    expect(code(() => rangeNodes(5, 4))).toBe('ERR_AUDIT_INVALID');
    expect(code(() => rangeNodes(-1, 4))).toBe('ERR_AUDIT_INVALID');
    expect(code(() => rangeNodes(0, 2 ** 53))).toBe('ERR_AUDIT_INVALID');
    expect(code(() => rangeNodes(0, 1.5))).toBe('ERR_AUDIT_INVALID');
  });
});

describe('proofs built from stored nodes', () => {
  it('equal RFC 6962 PATH and verify, for every leaf of every tree up to 64 leaves', async () => {
    for (let size = 1; size <= 64; size++) {
      for (let index = 0; index < size; index++) await checkInclusion(index, size);
    }
  });

  it('equal RFC 6962 PROOF and verify, for every pair of sizes up to 64 leaves', async () => {
    for (let to = 1; to <= 64; to++) {
      for (let from = 1; from <= to; from++) await checkConsistency(from, to);
    }
  });

  it('equal the reference and read O(log n) nodes at random sizes up to 2,048 leaves', async () => {
    const random = seededRandom(9162);
    const sizes = [127, 128, 129, 1023, 1024, 1025, 2047, MAX_SIZE];
    for (let i = 0; i < 40; i++) sizes.push(65 + random(MAX_SIZE - 64));
    for (const size of sizes) {
      const lasts = [0, size - 1];
      for (let j = 0; j < 6; j++) lasts.push(random(size));
      for (const index of lasts) {
        await checkInclusion(index, size);
        await checkConsistency(index + 1, size);
      }
    }
  });

  it('give the tree head of any size from its compact range, reading popcount(size) nodes', async () => {
    for (const size of [1, 2, 3, 5, 8, 100, 1000, 1365, 2047, MAX_SIZE]) {
      const { read, calls } = memoryReader(nodes, size);
      expect(await rootAt(size, read)).toEqual(reference.root(0, size));
      expect(calls).toHaveLength(1);
      expect(calls[0]).toHaveLength(size.toString(2).replaceAll('0', '').length);
    }
  });

  it('read nothing for the empty tree and for a proof between equal sizes', async () => {
    const { read, calls } = memoryReader(nodes, 10);
    expect(await rootAt(0, read)).toEqual(emptyRoot());
    expect(await consistencyProof(10, 10, read)).toEqual([]);
    expect(await inclusionProof(0, 1, read)).toEqual([]);
    expect(calls).toHaveLength(0);
  });

  it('can fetch a proof and the root it leads to in one read, each node once', async () => {
    const { read, calls } = memoryReader(nodes, 1000);
    const [root, ...proof] = await hashRanges([{ start: 0, end: 1000 }, ...inclusionPieces(999, 1000)], read);
    expect(root).toEqual(reference.root(0, 1000));
    expect(proof).toEqual(reference.path(999, 1000));
    expect(calls).toHaveLength(1);
    const ids = calls[0]?.map(({ level, index }) => `${level}/${index}`) ?? [];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('are copies: changing one does not change what the reader holds', async () => {
    const { read } = memoryReader(nodes, 8);
    const [sibling] = await inclusionProof(0, 8, read);
    sibling?.fill(0);
    expect(await inclusionProof(0, 8, read)).toEqual(reference.path(0, 8));
  });

  it('plan ranges that tile the tree, at any size up to 2^53 − 1', () => {
    const random = seededRandom(53);
    const big = () => random(2 ** 21) * 2 ** 32 + random(2 ** 32);
    const tiles = (pieces: { start: number; end: number }[], end: number) => {
      const sorted = pieces.toSorted((a, b) => a.start - b.start);
      sorted.forEach((piece, k) => {
        expect(piece.start).toBe(k === 0 ? 0 : sorted[k - 1]?.end);
        const levels = rangeNodes(piece.start, piece.end).map((key) => key.level);
        expect(levels).toEqual(levels.toSorted((a, b) => b - a));
      });
      expect(sorted.at(-1)?.end).toBe(end);
    };
    const sizes = [Number.MAX_SAFE_INTEGER, 2 ** 52, 2 ** 52 + 1, ...Array.from({ length: 200 }, big)];
    for (const size of sizes.filter((n) => n > 1)) {
      const index = random(2) === 0 ? size - 1 : Math.min(big(), size - 1);
      const path = inclusionPieces(index, size);
      expect(path.length).toBeLessThanOrEqual(53);
      tiles([...path, { start: index, end: index + 1 }], size);
      const from = index + 1;
      if (from === size) continue;
      const proof = consistencyPieces(from, size);
      // Math.log2 rounds 2^53 − 1 to 53: test powers of two by their one set bit instead.
      const powerOfTwo = from.toString(2).lastIndexOf('1') === 0;
      tiles(powerOfTwo ? [{ start: 0, end: from }, ...proof] : proof, size);
    }
  });

  it('refuse to plan a leaf past the tree, a consistency proof from 0 or backwards, or a non-subtree', async () => {
    expect(code(() => inclusionPieces(5, 5))).toBe('ERR_AUDIT_INVALID');
    expect(code(() => inclusionPieces(0, 0))).toBe('ERR_AUDIT_INVALID');
    expect(code(() => inclusionPieces(2 ** 64, 2 ** 64 + 1))).toBe('ERR_AUDIT_INVALID');
    expect(code(() => consistencyPieces(0, 5))).toBe('ERR_AUDIT_INVALID');
    expect(code(() => consistencyPieces(6, 5))).toBe('ERR_AUDIT_INVALID');
    const { read } = memoryReader(nodes, 8);
    expect(await rejection(rootAt(-1, read))).toBe('ERR_AUDIT_INVALID');
    // [2, 6) needs the hashes of [2, 4) and [4, 6) hashed together: no node of any log tree.
    expect(await rejection(hashRanges([{ start: 2, end: 6 }], read))).toBe('ERR_AUDIT_INVALID');
  });

  describe('when the store answers wrongly', () => {
    const short: NodeReader = async (keys) => keys.slice(1).map(() => Buffer.alloc(32));
    const truncated: NodeReader = async (keys) => keys.map(() => Buffer.alloc(31));

    it('fails with ERR_AUDIT_VERIFY rather than build a proof from holes', async () => {
      expect(await rejection(inclusionProof(3, 8, short))).toBe('ERR_AUDIT_VERIFY');
      expect(await rejection(rootAt(7, truncated))).toBe('ERR_AUDIT_VERIFY');
    });
  });
});

describe('verification', () => {
  const size = 1001;
  const random = seededRandom(2026);
  const cases = Array.from({ length: 12 }, () => {
    const index = random(size);
    return { index, from: index + 1 };
  });

  it('fails when one byte of the leaf, of any proof hash or of the root changes', async () => {
    const { read } = memoryReader(nodes, size);
    const root = reference.root(0, size);
    for (const { index } of cases) {
      const leaf = leafHashAt(index);
      const proof = await inclusionProof(index, size, read);
      verifyInclusion(leaf, index, size, proof, root);
      expect(code(() => verifyInclusion(flipped(leaf, index % 32), index, size, proof, root))).toBe(
        'ERR_AUDIT_VERIFY',
      );
      expect(code(() => verifyInclusion(leaf, index, size, proof, flipped(root, 31)))).toBe(
        'ERR_AUDIT_VERIFY',
      );
      for (const [k, hash] of proof.entries()) {
        const broken = proof.with(k, flipped(hash, k));
        expect(code(() => verifyInclusion(leaf, index, size, broken, root))).toBe('ERR_AUDIT_VERIFY');
      }
    }
  });

  it('fails a consistency proof when one byte of either root or of any proof hash changes', async () => {
    const { read } = memoryReader(nodes, size);
    const root2 = reference.root(0, size);
    for (const { from } of cases.filter((c) => c.from < size)) {
      const root1 = reference.root(0, from);
      const proof = await consistencyProof(from, size, read);
      verifyConsistency(from, size, proof, root1, root2);
      expect(code(() => verifyConsistency(from, size, proof, flipped(root1), root2))).toBe(
        'ERR_AUDIT_VERIFY',
      );
      expect(code(() => verifyConsistency(from, size, proof, root1, flipped(root2, 9)))).toBe(
        'ERR_AUDIT_VERIFY',
      );
      for (const [k, hash] of proof.entries()) {
        const broken = proof.with(k, flipped(hash, 31 - k));
        expect(code(() => verifyConsistency(from, size, broken, root1, root2))).toBe('ERR_AUDIT_VERIFY');
      }
    }
  });

  it('fails when the proof is one hash short or one hash long', async () => {
    const { read } = memoryReader(nodes, size);
    const root = reference.root(0, size);
    const proof = await inclusionProof(500, size, read);
    expect(code(() => verifyInclusion(leafHashAt(500), 500, size, proof.slice(1), root))).toBe(
      'ERR_AUDIT_VERIFY',
    );
    expect(code(() => verifyInclusion(leafHashAt(500), 500, size, [...proof, root], root))).toBe(
      'ERR_AUDIT_VERIFY',
    );
    const consistency = await consistencyProof(500, size, read);
    const root1 = reference.root(0, 500);
    expect(code(() => verifyConsistency(500, size, consistency.slice(0, -1), root1, root))).toBe(
      'ERR_AUDIT_VERIFY',
    );
    expect(code(() => verifyConsistency(500, size, [...consistency, root], root1, root))).toBe(
      'ERR_AUDIT_VERIFY',
    );
  });

  it('rootFromInclusion gives the root that a good proof leads to', async () => {
    const { read } = memoryReader(nodes, size);
    const proof = await inclusionProof(7, size, read);
    expect(rootFromInclusion(leafHashAt(7), 7, size, proof)).toEqual(reference.root(0, size));
  });

  it('refuses sizes past the safe integers, before hashing anything', () => {
    const leaf = leafHashAt(0);
    expect(code(() => rootFromInclusion(leaf, 0, 2 ** 53, []))).toBe('ERR_AUDIT_VERIFY');
    expect(code(() => verifyConsistency(1, 2 ** 64, [leaf], leaf, leaf))).toBe('ERR_AUDIT_VERIFY');
  });
});
