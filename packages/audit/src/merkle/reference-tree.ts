import { emptyRoot, leafHash, nodeHash } from './hashes.ts';

/**
 * RFC 6962 §2.1 as written — `MTH`, `PATH` and `PROOF`/`SUBPROOF` by recursion over an in-memory list
 * of leaf data — as the yardstick that tests and tools check the stored-node planner against. It
 * knows nothing of stored nodes; its only shortcut is a memo of `MTH` by leaf range, so that many
 * proofs over one list stay fast. Not for production use: it holds every leaf.
 */
export class ReferenceTree {
  readonly #leaves: readonly Uint8Array[];
  readonly #memo = new Map<string, Buffer>();

  constructor(leaves: readonly Uint8Array[]) {
    this.#leaves = leaves;
  }

  /** `MTH(D[lo:hi])`; by default the root of the whole list. */
  root(lo = 0, hi = this.#leaves.length): Buffer {
    const id = `${lo}:${hi}`;
    let hash = this.#memo.get(id);
    if (hash === undefined) {
      hash = this.#mth(lo, hi);
      this.#memo.set(id, hash);
    }
    return hash;
  }

  #mth(lo: number, hi: number): Buffer {
    const n = hi - lo;
    if (n === 0) return emptyRoot();
    if (n === 1) return leafHash(this.#leaves[lo] as Uint8Array);
    const k = largestPowerOfTwoBelow(n);
    return nodeHash(this.root(lo, lo + k), this.root(lo + k, hi));
  }

  /** `PATH(m, D[0:n])`: the audit path of leaf `m` in the tree of the first `n` leaves. */
  path(m: number, n: number): Buffer[] {
    return this.#path(m, 0, n);
  }

  #path(m: number, lo: number, hi: number): Buffer[] {
    const n = hi - lo;
    if (n === 1) return [];
    const k = largestPowerOfTwoBelow(n);
    if (m < k) return [...this.#path(m, lo, lo + k), this.root(lo + k, hi)];
    return [...this.#path(m - k, lo + k, hi), this.root(lo, lo + k)];
  }

  /** `PROOF(m, D[0:n])`: the consistency proof from the first `m` leaves to the first `n`. */
  proof(m: number, n: number): Buffer[] {
    return this.#subproof(m, 0, n, true);
  }

  #subproof(m: number, lo: number, hi: number, complete: boolean): Buffer[] {
    const n = hi - lo;
    if (m === n) return complete ? [] : [this.root(lo, hi)];
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) return [...this.#subproof(m, lo, lo + k, complete), this.root(lo + k, hi)];
    return [...this.#subproof(m - k, lo + k, hi, false), this.root(lo, lo + k)];
  }
}

/** The `k` of RFC 6962 §2.1: the largest power of two smaller than `n` (n > 1). */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
