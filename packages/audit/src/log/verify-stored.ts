import type { Queryable, SqlValue, Store } from '@onegate/store';
import { leafHash } from '../merkle/hashes.ts';
import { Frontier, type StoredNode } from './frontier.ts';
import { lockLog, readHead } from './log-head.ts';
import { firstLeaf, MAX_LEVEL, pow2 } from './tree-math.ts';

export type StoredLogVerdict =
  | { ok: true; size: number; root: Buffer }
  | {
      ok: false;
      size: number;
      /**
       * The first entry that cannot be trusted: the exact index when a leaf
       * or its row is bad; the first leaf of the smallest subtree whose stored
       * hash disagrees when the damage hides below it (a leaf rewritten together
       * with its leaf hash, two rows swapped).
       */
      firstBadIndex: number;
      reason: string;
    };

export interface VerifyStoredOptions {
  /** Entries read per query. */
  pageSize?: number;
}

/**
 * Recomputes the whole tree from the stored leaves in one streaming pass
 * (O(n) time, memory of one page plus the O(log n) frontier) and compares
 * every leaf hash, every stored node and the head's root with it. Appends may
 * go on meanwhile: the pass checks the tree at the head it read first.
 */
export async function verifyStoredLog(
  store: Store,
  options: VerifyStoredOptions = {},
): Promise<StoredLogVerdict> {
  const pageSize = options.pageSize ?? 10_000;
  const head = await readHead(store);
  const size = head.size;
  const bad = (firstBadIndex: number, reason: string): StoredLogVerdict => ({
    ok: false,
    size,
    firstBadIndex,
    reason,
  });
  const frontier = Frontier.empty();
  const completed: StoredNode[] = [];
  for (let from = 0; from < size; from += pageSize) {
    const to = Math.min(from + pageSize, size);
    const rows = await store.query<{
      idx: number;
      leaf: Buffer;
      leaf_hash: Buffer;
      pruned_at: number | null;
    }>(
      'SELECT idx, leaf, leaf_hash, pruned_at FROM audit_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx',
      [from, to],
    );
    const stored = await nodesCompletedIn(store, from, to);
    let row = 0;
    for (let index = from; index < to; index++) {
      const entry = rows[row];
      if (!entry || Number(entry.idx) !== index) return bad(index, 'the entry is missing');
      row++;
      // A pruned entry's body is gone by design: its stored leaf hash stands for it (the tree still checks it).
      const pruned = entry.pruned_at !== null;
      if (pruned && entry.leaf.length > 0) return bad(index, 'a pruned entry still holds a body');
      const hash = pruned ? Buffer.from(entry.leaf_hash) : leafHash(entry.leaf);
      if (!hash.equals(entry.leaf_hash)) return bad(index, 'the stored leaf hash does not match the leaf');
      completed.length = 0;
      frontier.push(hash, completed);
      for (const node of completed) {
        const storedHash = stored.get(`${node.level}/${node.index}`);
        if (!storedHash) return bad(firstLeaf(node), `node (${node.level}, ${node.index}) is missing`);
        if (!storedHash.equals(node.hash)) {
          return bad(
            firstLeaf(node),
            `node (${node.level}, ${node.index}) does not match the leaves below it`,
          );
        }
      }
    }
  }
  if (!frontier.root().equals(head.root)) return bad(size, 'the tree head root does not match the entries');
  const extra = await rowsBeyondHead(store);
  return extra ? bad(extra.index, extra.reason) : { ok: true, size, root: head.root };
}

/** The stored nodes that leaves `[from, to)` complete: node (l, i) completes with leaf (i+1)·2^l − 1. */
async function nodesCompletedIn(db: Queryable, from: number, to: number): Promise<Map<string, Buffer>> {
  const params: SqlValue[] = [];
  const terms: string[] = [];
  for (let level = 1; level <= MAX_LEVEL && pow2(level) <= to; level++) {
    const low = Math.ceil((from + 1) / pow2(level)) - 1;
    const high = Math.floor(to / pow2(level)) - 1;
    if (low > high) continue;
    terms.push(
      `(level = $${params.push(level)} AND idx >= $${params.push(low)} AND idx <= $${params.push(high)})`,
    );
  }
  const nodes = new Map<string, Buffer>();
  if (terms.length === 0) return nodes;
  const rows = await db.query<{ level: number; idx: number; hash: Buffer }>(
    `SELECT level, idx, hash FROM audit_nodes WHERE ${terms.join(' OR ')}`,
    params,
  );
  for (const row of rows) nodes.set(`${Number(row.level)}/${Number(row.idx)}`, row.hash);
  return nodes;
}

/**
 * Rows the head does not account for: an entry at or past its size, or a
 * node of a subtree not yet complete (which would also block the append that
 * completes it). Read under the log's lock, so no append is half-visible.
 */
async function rowsBeyondHead(store: Store): Promise<{ index: number; reason: string } | undefined> {
  return store.transaction(async (tx) => {
    await lockLog(tx);
    const { size } = await readHead(tx);
    const entry = await tx.maybeOne<{ idx: number }>(
      'SELECT idx FROM audit_entries WHERE idx >= $1 ORDER BY idx LIMIT 1',
      [size],
    );
    if (entry) return { index: Number(entry.idx), reason: 'an entry lies beyond the tree head' };
    const params: SqlValue[] = [];
    const terms: string[] = [];
    let level = 1;
    for (; level < MAX_LEVEL && pow2(level) <= size; level++) {
      terms.push(
        `(level = $${params.push(level)} AND idx >= $${params.push(Math.floor(size / pow2(level)))})`,
      );
    }
    // From here up, no subtree is complete yet.
    terms.push(`level >= $${params.push(level)}`);
    const node = await tx.maybeOne<{ level: number; idx: number }>(
      `SELECT level, idx FROM audit_nodes WHERE ${terms.join(' OR ')} LIMIT 1`,
      params,
    );
    if (!node) return undefined;
    return {
      index: size,
      reason: `node (${Number(node.level)}, ${Number(node.idx)}) lies beyond the tree head`,
    };
  });
}
