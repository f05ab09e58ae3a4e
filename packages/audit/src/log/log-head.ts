import type { Queryable } from '@onegate/store';
import { AuditError } from '../errors.ts';
import { Frontier } from './frontier.ts';
import { readNodes } from './node-reader.ts';
import { frontierKeys } from './tree-math.ts';

/** The committed tree: its size and RFC 9162 root. */
export interface TreeHead {
  size: number;
  root: Buffer;
}

/** Arbitrary class id of the log's advisory lock; the second key is the schema, so each log has its own. */
const LOG_LOCK_CLASS = 0x0a0d17;

/**
 * Makes the caller the log's only writer until its transaction ends. SQLite:
 * the store opens every transaction with `BEGIN IMMEDIATE`, which already
 * holds the database's write lock. PostgreSQL: a transaction-scoped advisory
 * lock, so instances sharing the database take turns.
 */
export async function lockLog(tx: Queryable): Promise<void> {
  if (tx.dialect === 'postgres') {
    await tx.query("SELECT pg_advisory_xact_lock($1, hashtext(COALESCE(current_schema(), ''))) AS locked", [
      LOG_LOCK_CLASS,
    ]);
  }
}

export async function readHead(db: Queryable): Promise<TreeHead> {
  const row = await db.one<{ size: number; root: Buffer }>('SELECT size, root FROM audit_head WHERE id = 1');
  return { size: Number(row.size), root: row.root };
}

/** The right edge of the stored tree at `head`: O(log n) point reads, checked against the head's root. */
export async function loadFrontier(db: Queryable, head: TreeHead): Promise<Frontier> {
  const hashes = await readNodes(db, frontierKeys(head.size)).catch((err: unknown) => {
    throw new AuditError('ERR_AUDIT_VERIFY', 'the stored tree lacks nodes its head needs', { cause: err });
  });
  const frontier = Frontier.fromHashes(head.size, hashes);
  if (!frontier.root().equals(head.root)) {
    throw new AuditError('ERR_AUDIT_VERIFY', 'the stored tree head does not match its nodes');
  }
  return frontier;
}
