import { VerificationError } from '@sigstore/verify';
// Sigstore's RFC 6962 inclusion check is internal to @sigstore/verify; the package has no `exports`
// map, so its compiled files can be imported by path (pinned to 4.1.3 in package.json).
import { LogCheckpoint } from '@sigstore/verify/dist/tlog/checkpoint.js';
import { verifyMerkleInclusion } from '@sigstore/verify/dist/tlog/merkle.js';
import { describe, expect, it } from 'vitest';
import { inclusionProof, rootAt } from '../src/index.ts';
import { flipped, memoryReader, seededRandom, storedNodes } from './merkle-stored-nodes.ts';

/*
 * An independent verifier: sigstore-js checks Rekor inclusion proofs with its own RFC 6962 code
 * (hashing the raw entry body itself). It has no consistency-proof verifier; consistency proofs are
 * checked against transparency-dev/merkle's vectors and the reference tree instead.
 */

type SigstoreEntry = Parameters<typeof verifyMerkleInclusion>[0];

function sigstoreAccepts(leaf: Buffer, index: number, size: number, proof: Buffer[], root: Buffer): boolean {
  const entry = {
    canonicalizedBody: leaf,
    inclusionProof: { logIndex: String(index), treeSize: String(size), rootHash: root, hashes: proof },
  } as unknown as SigstoreEntry;
  try {
    verifyMerkleInclusion(entry, new LogCheckpoint('onegate.test/audit', BigInt(size), root, []));
    return true;
  } catch (err) {
    if (err instanceof VerificationError && err.code === 'TLOG_INCLUSION_PROOF_ERROR') return false;
    throw err;
  }
}

const MAX_SIZE = 1500;
const leaves = Array.from({ length: MAX_SIZE }, (_, i) =>
  Buffer.from(`{"v":1,"action":"record.read","n":${i}}`),
);
const nodes = storedNodes(leaves);

describe('OneGate inclusion proofs, checked by @sigstore/verify', () => {
  it('verify for every leaf of every tree up to 40 leaves', async () => {
    for (let size = 1; size <= 40; size++) {
      const { read } = memoryReader(nodes, size);
      const root = await rootAt(size, read);
      for (let index = 0; index < size; index++) {
        const proof = await inclusionProof(index, size, read);
        expect(sigstoreAccepts(leaves[index] as Buffer, index, size, proof, root)).toBe(true);
      }
    }
  });

  it('verify at random sizes up to 1,500 leaves, and fail when one byte changes', async () => {
    const random = seededRandom(1962);
    for (let i = 0; i < 40; i++) {
      const size = 41 + random(MAX_SIZE - 40);
      const index = random(size);
      const leaf = leaves[index] as Buffer;
      const { read } = memoryReader(nodes, size);
      const root = await rootAt(size, read);
      const proof = await inclusionProof(index, size, read);
      expect(sigstoreAccepts(leaf, index, size, proof, root)).toBe(true);
      expect(sigstoreAccepts(flipped(leaf, random(leaf.length)), index, size, proof, root)).toBe(false);
      expect(sigstoreAccepts(leaf, index, size, proof, flipped(root, random(32)))).toBe(false);
      const k = random(proof.length);
      const broken = proof.with(k, flipped(proof[k] as Buffer, random(32)));
      expect(sigstoreAccepts(leaf, index, size, broken, root)).toBe(false);
      // And a proof for another index does not pass for this one.
      expect(sigstoreAccepts(leaf, (index + 1) % size, size, proof, root)).toBe(false);
    }
  });
});
