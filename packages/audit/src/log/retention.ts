import type { Store } from '@onegate/store';
import { AuditError } from '../errors.ts';

/** The PRC Cybersecurity Law (Art. 21) asks for at least six months of network logs. */
export const MIN_RETENTION_DAYS = 180;
const DAY_MS = 86_400_000;

export interface PruneOptions {
  /** Entries older than this many days lose their body (at least 180). */
  retentionDays: number;
  /** Entries per transaction: many short transactions, never one table-locking delete. */
  batchSize?: number;
  now?: number;
  /** Stops between batches. */
  signal?: AbortSignal;
}

/**
 * Retention: entries appended before the cut-off keep their index and leaf
 * hash (so the tree, every old checkpoint and every proof still verify) but
 * lose their body and query columns, in batches of `batchSize`, each its own
 * transaction. Returns how many entries were pruned.
 */
export async function pruneEntries(store: Store, options: PruneOptions): Promise<number> {
  const { retentionDays } = options;
  if (!Number.isSafeInteger(retentionDays) || retentionDays < MIN_RETENTION_DAYS) {
    throw new AuditError(
      'ERR_AUDIT_INVALID',
      `retention is a whole number of at least ${MIN_RETENTION_DAYS} days`,
    );
  }
  const batchSize = options.batchSize ?? 5000;
  const now = options.now ?? Date.now();
  const cutoff = now - retentionDays * DAY_MS;
  let pruned = 0;
  for (;;) {
    if (options.signal?.aborted) return pruned;
    const count = await store.transaction(async (tx) => {
      const rows = await tx.query<{ idx: number }>(
        'SELECT idx FROM audit_entries WHERE at < $1 AND pruned_at IS NULL ORDER BY idx LIMIT $2',
        [cutoff, batchSize],
      );
      if (rows.length === 0) return 0;
      const first = Number(rows[0]!.idx);
      const last = Number(rows.at(-1)!.idx);
      await tx.exec(
        `UPDATE audit_entries
            SET leaf = $1, pruned_at = $2, actor = NULL, subject = NULL, department = NULL, client_id = NULL, purpose = NULL
          WHERE idx >= $3 AND idx <= $4 AND at < $5 AND pruned_at IS NULL`,
        [Buffer.alloc(0), now, first, last, cutoff],
      );
      return rows.length;
    });
    pruned += count;
    if (count < batchSize) return pruned;
  }
}
