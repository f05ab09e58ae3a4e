import type { Queryable, SqlValue } from '@onegate/store';
import { AuditError } from '../errors.ts';
import { checkIndex, checkNodeKey, type NodeKey } from './tree-math.ts';

/** Most entries one `readEntries` call returns; page beyond that. */
export const MAX_ENTRIES_PER_READ = 10_000;
/** Most keys one `readNodes` call takes: a proof needs about two per level. */
export const MAX_NODES_PER_READ = 1000;

/**
 * The hashes of `keys`, in their order, in one query whatever the mix of
 * levels: level 0 from the entries' leaf hashes, higher levels from the
 * stored nodes. A node exists exactly when its subtree is complete, so a key
 * beyond the committed tree is `ERR_AUDIT_NOT_FOUND`.
 */
export async function readNodes(db: Queryable, keys: readonly NodeKey[]): Promise<Buffer[]> {
  if (keys.length === 0) return [];
  if (keys.length > MAX_NODES_PER_READ) {
    throw new AuditError('ERR_AUDIT_INVALID', `a read takes at most ${MAX_NODES_PER_READ} nodes`);
  }
  const leaves = new Set<number>();
  const byLevel = new Map<number, Set<number>>();
  for (const key of keys) {
    checkNodeKey(key);
    if (key.level === 0) leaves.add(key.index);
    else {
      let indexes = byLevel.get(key.level);
      if (!indexes) byLevel.set(key.level, (indexes = new Set()));
      indexes.add(key.index);
    }
  }
  const params: SqlValue[] = [];
  const placeholders = (values: Iterable<number>) =>
    Array.from(values, (v) => `$${params.push(v)}`).join(', ');
  const parts: string[] = [];
  if (leaves.size > 0) {
    parts.push(
      `SELECT 0 AS level, idx, leaf_hash AS hash FROM audit_entries WHERE idx IN (${placeholders(leaves)})`,
    );
  }
  if (byLevel.size > 0) {
    const terms = Array.from(
      byLevel,
      ([level, indexes]) => `(level = $${params.push(level)} AND idx IN (${placeholders(indexes)}))`,
    );
    parts.push(`SELECT level, idx, hash FROM audit_nodes WHERE ${terms.join(' OR ')}`);
  }
  const rows = await db.query<{ level: number; idx: number; hash: Buffer }>(
    parts.join(' UNION ALL '),
    params,
  );
  const found = new Map<string, Buffer>();
  for (const row of rows) found.set(`${Number(row.level)}/${Number(row.idx)}`, row.hash);
  return keys.map((key) => {
    const hash = found.get(`${key.level}/${key.index}`);
    if (!hash) {
      throw new AuditError(
        'ERR_AUDIT_NOT_FOUND',
        `node (${key.level}, ${key.index}) is not complete in the stored tree`,
      );
    }
    return hash;
  });
}

export interface StoredEntry {
  index: number;
  /** The exact bytes appended; empty once pruned by retention. */
  leaf: Buffer;
  leafHash: Buffer;
  /** Retention removed the body; `leafHash` still stands for it in the tree. */
  pruned: boolean;
}

/** Entries `[from, to)`, at most `MAX_ENTRIES_PER_READ`; all must be in the log. */
export async function readEntries(db: Queryable, from: number, to: number): Promise<StoredEntry[]> {
  checkIndex(from, 'from');
  checkIndex(to, 'to');
  if (to < from || to - from > MAX_ENTRIES_PER_READ) {
    throw new AuditError(
      'ERR_AUDIT_INVALID',
      `a read covers from ≤ to and at most ${MAX_ENTRIES_PER_READ} entries`,
    );
  }
  if (to === from) return [];
  const rows = await db.query<{ idx: number; leaf: Buffer; leaf_hash: Buffer; pruned_at: number | null }>(
    'SELECT idx, leaf, leaf_hash, pruned_at FROM audit_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx',
    [from, to],
  );
  if (rows.length !== to - from) {
    throw new AuditError('ERR_AUDIT_NOT_FOUND', `entries ${from} to ${to - 1} are not all in the log`);
  }
  return rows.map((row) => ({
    index: Number(row.idx),
    leaf: row.leaf,
    leafHash: row.leaf_hash,
    pruned: row.pruned_at !== null,
  }));
}

/** The exact leaf bytes at `index`. */
export async function readEntry(db: Queryable, index: number): Promise<Buffer> {
  const [entry] = await readEntries(db, index, index + 1);
  if (entry!.pruned) {
    throw new AuditError('ERR_AUDIT_NOT_FOUND', 'that entry was pruned by retention; its leaf hash remains');
  }
  return entry!.leaf;
}
