import type { SqlValue } from '@onegate/store';
import { AuditError, type AuditErrorCode } from '../errors.ts';
import type { EntryRow } from './batch-insert.ts';
import type { GroupCall } from './group-writer.ts';
import type { AppendResult } from './idempotency.ts';

/**
 * The messages between the main thread and the SQLite writer thread. A
 * group's leaves travel as one transferred buffer (no copy, and none of the
 * unrelated bytes a pooled Buffer's memory would carry along); the other
 * columns are small values, cloned.
 */
export interface GroupRequest {
  id: number;
  now: number;
  leaves: ArrayBuffer;
  calls: Array<{
    key: string | undefined;
    client: string;
    digest: Uint8Array | undefined;
    /** Per row: the leaf's length, then the row's columns after `leaf_hash`. */
    rows: SqlValue[][];
  }>;
}

/** A group, or the request to close the connection and stop once the groups before it are written. */
export type WriterMessage = GroupRequest | 'close';

type WireError = { code?: AuditErrorCode; message: string };

export interface WriterReply {
  id: number;
  outcomes?: Array<AppendResult | { error: WireError }>;
  /** The whole group failed: nothing of it was written. */
  failure?: WireError;
}

export function toMessage(id: number, now: number, group: readonly GroupCall[]): GroupRequest {
  let total = 0;
  for (const call of group) for (const row of call.rows) total += (row[1] as Uint8Array).length;
  const leaves = new Uint8Array(total);
  let at = 0;
  const calls = group.map((call) => ({
    key: call.key,
    client: call.client,
    digest: call.digest,
    rows: call.rows.map((row) => {
      const leaf = row[1] as Uint8Array;
      leaves.set(leaf, at);
      at += leaf.length;
      // One copy, not two: the columns from `leaf_hash` on, that slot then holding the leaf's length.
      const wire = row.slice(2);
      wire[0] = leaf.length;
      return wire;
    }),
  }));
  return { id, now, leaves: leaves.buffer, calls };
}

export function fromMessage(request: GroupRequest): GroupCall[] {
  let at = 0;
  return request.calls.map((call) => ({
    key: call.key,
    client: call.client,
    digest: call.digest && Buffer.from(call.digest),
    rows: call.rows.map(([length, ...columns]): EntryRow => {
      const leaf = Buffer.from(request.leaves, at, length as number);
      at += length as number;
      return [0, leaf, null, ...columns];
    }),
  }));
}

export function toReply(id: number, outcomes: ReadonlyArray<AppendResult | AuditError>): WriterReply {
  return {
    id,
    outcomes: outcomes.map((o) =>
      o instanceof AuditError ? { error: { code: o.code, message: o.message } } : o,
    ),
  };
}

export function fromWire(error: WireError): AuditError {
  return new AuditError(error.code ?? 'ERR_AUDIT_UNAVAILABLE', error.message);
}
