import { emptyRoot, nodeHash } from '../merkle/hashes.ts';
import type { NodeKey } from './tree-math.ts';
import { frontierKeys } from './tree-math.ts';

export interface StoredNode extends NodeKey {
  hash: Buffer;
}

/**
 * The right edge of the tree (its compact range): for each set bit `l` of
 * `size`, the hash of the complete subtree of level `l` that ends the
 * covered leaves. Appending a leaf merges equal-level subtrees like a binary
 * carry, yielding exactly the nodes that become complete, so an append never
 * reads an old node.
 */
export class Frontier {
  #size: number;
  readonly #hashes: Array<Buffer | undefined>;
  #root: Buffer | undefined;

  private constructor(size: number, hashes: Array<Buffer | undefined>) {
    this.#size = size;
    this.#hashes = hashes;
  }

  static empty(): Frontier {
    return new Frontier(0, []);
  }

  /** From the hashes of `frontierKeys(size)`, in that order. */
  static fromHashes(size: number, hashes: readonly Buffer[]): Frontier {
    const keys = frontierKeys(size);
    if (keys.length !== hashes.length) throw new Error('one hash per frontier node expected');
    const byLevel: Array<Buffer | undefined> = [];
    keys.forEach((key, i) => (byLevel[key.level] = hashes[i]));
    return new Frontier(size, byLevel);
  }

  get size(): number {
    return this.#size;
  }

  clone(): Frontier {
    const copy = new Frontier(this.#size, [...this.#hashes]);
    copy.#root = this.#root;
    return copy;
  }

  /** Appends one leaf hash; pushes every node of level ≥ 1 that it completes, lowest first. */
  push(leafHash: Buffer, completed?: StoredNode[]): void {
    let hash = leafHash;
    let level = 0;
    // Leaves before this one, then complete subtrees of each level, halving as we climb.
    let below = this.#size;
    while (below % 2 === 1) {
      hash = nodeHash(this.#hashes[level]!, hash);
      this.#hashes[level] = undefined;
      level++;
      below = (below - 1) / 2;
      completed?.push({ level, index: below, hash });
    }
    this.#hashes[level] = hash;
    this.#size++;
    this.#root = undefined;
  }

  /** RFC 9162 MTH of the leaves so far: the frontier folded from its lowest level up. */
  root(): Buffer {
    if (!this.#root) {
      let acc: Buffer | undefined;
      for (const hash of this.#hashes) {
        if (hash) acc = acc ? nodeHash(hash, acc) : hash;
      }
      this.#root = acc ?? emptyRoot();
    }
    return this.#root;
  }
}
