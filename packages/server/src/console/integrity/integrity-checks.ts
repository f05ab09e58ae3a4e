import {
  AuditError,
  readHead,
  verifyConsistency,
  verifyStoredLog,
  type AuditService,
  type StoredLogVerdict,
} from '@onegate/audit';
import type { Store } from '@onegate/store';
import { checkCheckpoint, type CheckedCheckpoint } from '../audit/inclusion-view.ts';

/** How many checkpoints the history shows. */
export const HISTORY_LENGTH = 20;
/** Logs up to this size are verified while the officer waits; larger ones in the background. */
export const VERIFY_INLINE_MAX = 100_000;
export const VERIFY_ACTION = 'console.integrity.verify';
export const WITNESS_ACTION = 'console.integrity.witness';

export interface HistoryRow extends CheckedCheckpoint {
  /** Whether the tree of this checkpoint extends the one before (`first`: none before it). */
  consistency: 'ok' | 'failed' | 'first';
}

/**
 * The latest checkpoints, newest first, each with its signature checked and a
 * consistency proof from the checkpoint before it (RFC 9162 §2.1.4.2) checked
 * against both signed roots, server-side.
 */
export async function checkpointHistory(audit: AuditService): Promise<HistoryRow[]> {
  const all = await audit.checkpoints();
  const window = all.slice(-(HISTORY_LENGTH + 1));
  const checked = await Promise.all(window.map((c) => checkCheckpoint(audit, c.note)));
  const rows: HistoryRow[] = [];
  for (let i = checked.length - 1; i >= 0; i--) {
    const current = checked[i]!;
    const previous = checked[i - 1];
    if (i === 0 && window.length > HISTORY_LENGTH) break;
    rows.push({
      ...current,
      consistency: previous === undefined ? 'first' : await consistent(audit, previous, current),
    });
  }
  return rows;
}

async function consistent(
  audit: AuditService,
  older: CheckedCheckpoint,
  newer: CheckedCheckpoint,
): Promise<'ok' | 'failed'> {
  const a = older.checkpoint;
  const b = newer.checkpoint;
  // Every tree extends the empty one.
  if (a.size === 0) return 'ok';
  try {
    const proof = a.size === b.size ? { hashes: [] } : await audit.consistencyProof(a.size, b.size);
    verifyConsistency(
      a.size,
      b.size,
      proof.hashes.map((h) => Buffer.from(h, 'base64')),
      a.root,
      b.root,
    );
    return 'ok';
  } catch (err) {
    if (err instanceof AuditError) return 'failed';
    throw err;
  }
}

export interface VerificationRecord {
  at: string;
  actor: string;
  ok: boolean;
  size: number;
  firstBadIndex?: number;
}

/** The last full verification, as recorded in the log itself (so every instance sees the same). */
export async function lastVerification(audit: AuditService): Promise<VerificationRecord | undefined> {
  const { events } = await audit.query({ action: VERIFY_ACTION }, { limit: 1 });
  const found = events[0]?.event;
  if (!found) return undefined;
  const details = found.details ?? {};
  const firstBad = details['firstBadIndex'];
  return {
    at: found.time,
    actor: found.actor.id,
    ok: found.outcome === 'success',
    size: Number(details['size'] ?? 0),
    ...(typeof firstBad === 'number' ? { firstBadIndex: firstBad } : {}),
  };
}

export type WitnessStatus = NonNullable<AuditService['witnessStatus']>;

/**
 * The witnesses' last answer. The audit service keeps it in memory only (a
 * restart, or another instance that signed this size first, leaves it empty),
 * so the first officer to see a new answer records it in the log, the way the
 * last full verification is kept, and every instance reads it back from there.
 * `observer` is that officer; the witness's error text carries no personal data.
 */
export async function witnessStatus(
  audit: AuditService,
  observer: { accountId: string; address: string },
): Promise<WitnessStatus | undefined> {
  const { events } = await audit.query({ action: WITNESS_ACTION }, { limit: 1 });
  const found = events[0]?.event;
  const details = found?.details ?? {};
  const recorded: WitnessStatus | undefined = found && {
    at: Number(details['at'] ?? Date.parse(found.time)),
    ok: found.outcome === 'success',
    size: Number(details['size'] ?? 0),
    ...(found.reason === undefined ? {} : { error: found.reason }),
  };
  const live = audit.witnessStatus;
  if (!live || (recorded && recorded.at >= live.at)) return recorded;
  await audit.write({
    action: WITNESS_ACTION,
    outcome: live.ok ? 'success' : 'failure',
    actor: observer.accountId,
    address: observer.address,
    ...(live.error === undefined ? {} : { reason: live.error.slice(0, 200) }),
    details: { size: live.size, at: live.at },
  });
  return live;
}

let running: Promise<StoredLogVerdict> | undefined;

/**
 * Recomputes the whole stored tree (`verifyStoredLog`) and records the verdict
 * as an audit event by `actor`. One at a time per process; a log larger than
 * VERIFY_INLINE_MAX is verified in the background (`done: false`).
 */
export async function verifyNow(
  store: Store,
  audit: AuditService,
  actor: { accountId: string; address: string },
  onError: (err: unknown) => void,
): Promise<{ done: boolean }> {
  if (running) return { done: false };
  const { size } = await readHead(store);
  const work = verifyStoredLog(store).then(async (verdict) => {
    await audit.write({
      action: VERIFY_ACTION,
      outcome: verdict.ok ? 'success' : 'failure',
      actor: actor.accountId,
      address: actor.address,
      ...(verdict.ok ? {} : { reason: verdict.reason }),
      details: { size: verdict.size, ...(verdict.ok ? {} : { firstBadIndex: verdict.firstBadIndex }) },
    });
    return verdict;
  });
  running = work;
  const settle = () => {
    running = undefined;
  };
  work.then(settle, (err: unknown) => {
    settle();
    onError(err);
  });
  if (size > VERIFY_INLINE_MAX) return { done: false };
  await work;
  return { done: true };
}

/** Whether a background verification is under way in this process. */
export function verificationRunning(): boolean {
  return running !== undefined;
}
