import type { Queryable, Transaction } from '@onegate/store';

/** Where a column's rewrap stands; one row per `<table>.<column>`, kept after it finishes. */
export interface RewrapProgressRow {
  job: string;
  key_id: string;
  target_version: number;
  /** The id of the last row done, as text; `null` before the first batch. */
  cursor: string | null;
  scanned: number;
  rewrapped: number;
  conflicts: number;
  unreadable: number;
  started_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface BatchCounts {
  scanned: number;
  rewrapped: number;
  conflicts: number;
  unreadable: number;
}

export async function readProgress(q: Queryable, job: string): Promise<RewrapProgressRow | undefined> {
  return q.maybeOne<RewrapProgressRow>(
    `SELECT job, key_id, target_version, cursor, scanned, rewrapped, conflicts, unreadable, started_at, updated_at,
       finished_at FROM privacy_rewrap_progress WHERE job = $1`,
    [job],
  );
}

/** Starts the job over from the first row, towards `targetVersion`. */
export async function resetProgress(
  q: Queryable,
  job: string,
  keyId: string,
  targetVersion: number,
  now: number,
): Promise<void> {
  await q.exec(
    `INSERT INTO privacy_rewrap_progress
       (job, key_id, target_version, cursor, scanned, rewrapped, conflicts, unreadable, started_at, updated_at, finished_at)
     VALUES ($1, $2, $3, NULL, 0, 0, 0, 0, $4, $4, NULL)
     ON CONFLICT (job) DO UPDATE SET key_id = excluded.key_id, target_version = excluded.target_version,
       cursor = NULL, scanned = 0, rewrapped = 0, conflicts = 0, unreadable = 0,
       started_at = excluded.started_at, updated_at = excluded.updated_at, finished_at = NULL`,
    [job, keyId, targetVersion, now],
  );
}

/**
 * Moves the cursor past a batch, in the batch's transaction; false if the
 * job is no longer where this run left it (another run of the same job).
 */
export async function advanceProgress(
  tx: Transaction,
  at: { job: string; targetVersion: number; cursor: string | null },
  next: { cursor: string; counts: BatchCounts; now: number },
): Promise<boolean> {
  const same = tx.dialect === 'postgres' ? 'IS NOT DISTINCT FROM' : 'IS';
  const { scanned, rewrapped, conflicts, unreadable } = next.counts;
  const changed = await tx.exec(
    `UPDATE privacy_rewrap_progress SET cursor = $4, scanned = scanned + $5, rewrapped = rewrapped + $6,
       conflicts = conflicts + $7, unreadable = unreadable + $8, updated_at = $9
     WHERE job = $1 AND target_version = $2 AND finished_at IS NULL AND cursor ${same} $3`,
    [at.job, at.targetVersion, at.cursor, next.cursor, scanned, rewrapped, conflicts, unreadable, next.now],
  );
  return changed === 1;
}

export async function finishProgress(
  q: Queryable,
  job: string,
  targetVersion: number,
  now: number,
): Promise<void> {
  await q.exec(
    `UPDATE privacy_rewrap_progress SET finished_at = $3, updated_at = $3
     WHERE job = $1 AND target_version = $2 AND finished_at IS NULL`,
    [job, targetVersion, now],
  );
}
