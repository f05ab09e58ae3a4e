import type { Transaction } from '@onegate/store';
import { AuditError } from '../errors.ts';
import { insertEntries, insertNodes, type EntryRow } from './batch-insert.ts';
import type { Frontier, StoredNode } from './frontier.ts';
import { conflict, findKey, recordKey, sameDigest, type AppendResult } from './idempotency.ts';
import { loadFrontier, lockLog, readHead } from './log-head.ts';

/** One `append` call waiting for its group's transaction. */
export interface PendingAppend {
  /** Entry rows with `idx` (column 0) still to assign. */
  rows: EntryRow[];
  leafHashes: Buffer[];
  /** Set with `digest` when the caller gave an idempotency key. */
  key: string | undefined;
  client: string;
  digest: Buffer;
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
}

export interface GroupOutcome {
  /** The tree after this group, for the next group to start from once this one committed. */
  frontier: Frontier;
  /** Per call: where its entries went, or why it was refused (a reused key). */
  outcomes: Array<AppendResult | AuditError>;
}

/**
 * Everything one group commit does, inside its transaction: become the only
 * writer, start from the stored head (reloading the frontier when another
 * instance appended since), give each accepted call consecutive indexes,
 * and write its entries, the nodes they complete, the keys and the new head.
 * The caller's frontier is not touched: it is only replaced once this commits.
 */
export async function writeGroup(
  tx: Transaction,
  cached: Frontier | undefined,
  group: readonly PendingAppend[],
  now: number,
): Promise<GroupOutcome> {
  await lockLog(tx);
  const head = await readHead(tx);
  const frontier =
    cached && cached.size === head.size && cached.root().equals(head.root)
      ? cached.clone()
      : await loadFrontier(tx, head);

  const outcomes: Array<AppendResult | AuditError> = [];
  const firstWithKey = new Map<string, number>();
  const rows: EntryRow[] = [];
  const nodes: StoredNode[] = [];
  const keyed: Array<[PendingAppend, AppendResult]> = [];
  for (const [i, call] of group.entries()) {
    if (call.key !== undefined) {
      const scope = JSON.stringify([call.client, call.key]);
      const earlier = firstWithKey.get(scope);
      if (earlier !== undefined) {
        // The same batch twice in one group (a quick retry): both get the first one's answer.
        const answer = outcomes[earlier]!;
        outcomes.push(
          sameDigest(group[earlier]!.digest, call.digest) && !(answer instanceof AuditError)
            ? { first: answer.first, count: answer.count, replayed: true }
            : conflict(),
        );
        continue;
      }
      firstWithKey.set(scope, i);
      const stored = await findKey(tx, call.client, call.key);
      if (stored) {
        const { first, count } = stored;
        outcomes.push(sameDigest(stored.digest, call.digest) ? { first, count, replayed: true } : conflict());
        continue;
      }
    }
    const first = frontier.size;
    call.rows.forEach((row, j) => {
      row[0] = first + j;
      rows.push(row);
      frontier.push(call.leafHashes[j]!, nodes);
    });
    const result = { first, count: call.rows.length };
    outcomes.push(result);
    if (call.key !== undefined) keyed.push([call, result]);
  }

  if (rows.length > 0) {
    await insertEntries(tx, rows);
    await insertNodes(tx, nodes);
    for (const [call, result] of keyed) {
      await recordKey(tx, call.client, call.key!, { ...result, digest: call.digest }, now);
    }
    await tx.exec('UPDATE audit_head SET size = $1, root = $2, at = $3 WHERE id = 1', [
      frontier.size,
      frontier.root(),
      now,
    ]);
  }
  return { frontier, outcomes };
}
