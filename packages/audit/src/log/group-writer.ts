import type { Transaction } from '@onegate/store';
import { AuditError } from '../errors.ts';
import { leafHash } from '../merkle/hashes.ts';
import { insertEntries, insertNodes, type EntryRow } from './batch-insert.ts';
import type { Frontier, StoredNode } from './frontier.ts';
import { batchDigest, conflict, findKey, recordKey, sameDigest, type AppendResult } from './idempotency.ts';
import { loadFrontier, lockLog, readHead } from './log-head.ts';

/** One `append` call as its group's transaction takes it. */
export interface GroupCall {
  /** Entry rows with `idx` (column 0) and `leaf_hash` (column 2) still to fill in. */
  rows: EntryRow[];
  /** Set when the caller gave an idempotency key. */
  key: string | undefined;
  client: string;
  /** What a retry must match; by default the digest of the leaf hashes. */
  digest: Buffer | undefined;
}

/** One `append` call waiting for its group's transaction. */
export interface PendingAppend extends GroupCall {
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
 * The leaves are hashed here, on whichever thread writes.
 * The caller's frontier is not touched: it is only replaced once this commits.
 */
export async function writeGroup(
  tx: Transaction,
  cached: Frontier | undefined,
  group: readonly GroupCall[],
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
  const keyed: Array<[GroupCall, AppendResult, Buffer]> = [];
  const digests: Buffer[] = [];
  for (const [i, call] of group.entries()) {
    const hashes = call.rows.map((row) => leafHash(row[1] as Uint8Array));
    const digest = call.key === undefined ? EMPTY : (call.digest ?? batchDigest(hashes));
    digests.push(digest);
    if (call.key !== undefined) {
      const scope = JSON.stringify([call.client, call.key]);
      const earlier = firstWithKey.get(scope);
      if (earlier !== undefined) {
        // The same batch twice in one group (a quick retry): both get the first one's answer.
        const answer = outcomes[earlier]!;
        outcomes.push(
          sameDigest(digests[earlier]!, digest) && !(answer instanceof AuditError)
            ? { first: answer.first, count: answer.count, replayed: true }
            : conflict(),
        );
        continue;
      }
      firstWithKey.set(scope, i);
      const stored = await findKey(tx, call.client, call.key);
      if (stored) {
        const { first, count } = stored;
        outcomes.push(sameDigest(stored.digest, digest) ? { first, count, replayed: true } : conflict());
        continue;
      }
    }
    const first = frontier.size;
    call.rows.forEach((row, j) => {
      row[0] = first + j;
      row[2] = hashes[j]!;
      rows.push(row);
      frontier.push(hashes[j]!, nodes);
    });
    const result = { first, count: call.rows.length };
    outcomes.push(result);
    if (call.key !== undefined) keyed.push([call, result, digest]);
  }

  if (rows.length > 0) {
    await insertEntries(tx, rows);
    await insertNodes(tx, nodes);
    for (const [call, result, digest] of keyed) {
      await recordKey(tx, call.client, call.key!, { ...result, digest }, now);
    }
    await tx.exec('UPDATE audit_head SET size = $1, root = $2, at = $3 WHERE id = 1', [
      frontier.size,
      frontier.root(),
      now,
    ]);
  }
  return { frontier, outcomes };
}

const EMPTY = Buffer.alloc(0);
