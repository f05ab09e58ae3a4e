import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Store } from '@onegate/store';
import { AuditError, isAuditError } from '../errors.ts';
import { leafHash } from '../merkle/hashes.ts';
import type { EntryRow } from './batch-insert.ts';
import { columnValues, entryTime, type EntryColumns } from './entry-columns.ts';
import type { Frontier } from './frontier.ts';
import { writeGroup, type PendingAppend } from './group-writer.ts';
import { batchDigest, checkIdempotencyKey, type AppendResult } from './idempotency.ts';
import { loadFrontier, readHead, type TreeHead } from './log-head.ts';
import { readEntries, readEntry, readNodes, type StoredEntry } from './node-reader.ts';
import type { NodeKey } from './tree-math.ts';

export interface LogEntryInput {
  /** The exact bytes to log (an event's canonical form); its leaf hash is SHA-256(0x00 ‖ leaf). */
  leaf: Uint8Array;
  columns?: EntryColumns;
}

export interface AppendOptions {
  /** A retry with the same key (per client) and the same leaves returns the first call's indexes. */
  idempotencyKey?: string;
  /** Whose key space `idempotencyKey` lives in. */
  client?: string;
  /**
   * What makes a retry "the same batch": by default the leaves' hashes. A
   * caller that stamps leaves with the time of each attempt passes a digest
   * of what the writer sent instead, so an honest retry still matches.
   */
  digest?: Buffer;
}

export interface MerkleLogOptions {
  /** Most entries one group transaction takes; a larger single call still commits whole, alone. */
  maxGroupEntries?: number;
  now?: () => number;
}

export const MAX_ENTRIES_PER_APPEND = 10_000;
export const MAX_LEAF_BYTES = 64 * 1024;

/**
 * The append-only Merkle log (RFC 9162 tree) on the store. Appends are
 * group-committed: while one transaction is being written and committed, the
 * calls that arrive queue up, and the next transaction takes them all. A
 * caller's promise resolves only after the transaction holding its entries
 * committed (on SQLite, `synchronous=FULL`: on disk). Every call's entries get
 * consecutive indexes, all or none.
 *
 * The tree's right edge stays in memory, so appends never read old nodes;
 * each group still reads the stored head under the log's lock and reloads
 * the edge if another instance appended meanwhile.
 */
export class MerkleLog {
  readonly #store: Store;
  readonly #maxGroup: number;
  readonly #now: () => number;
  #frontier: Frontier | undefined;
  #queue: PendingAppend[] = [];
  #draining: Promise<void> | undefined;
  #closed = false;

  constructor(store: Store, options: MerkleLogOptions = {}) {
    this.#store = store;
    this.#maxGroup = options.maxGroupEntries ?? 4096;
    if (!Number.isSafeInteger(this.#maxGroup) || this.#maxGroup < 1) {
      throw new AuditError('ERR_AUDIT_INVALID', 'maxGroupEntries must be a positive integer');
    }
    this.#now = options.now ?? Date.now;
  }

  /** Loads the stored tree's edge and checks it against the head; optional, the first append does it too. */
  async start(): Promise<TreeHead> {
    const head = await readHead(this.#store);
    this.#frontier = await loadFrontier(this.#store, head);
    return head;
  }

  /** The committed size and root. */
  head(): Promise<TreeHead> {
    return readHead(this.#store);
  }

  async size(): Promise<number> {
    return (await readHead(this.#store)).size;
  }

  append(entries: readonly LogEntryInput[], options: AppendOptions = {}): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      if (this.#closed) throw new AuditError('ERR_AUDIT_UNAVAILABLE', 'the log is closed');
      this.#queue.push({ ...prepare(entries, options, this.#now()), resolve, reject });
      this.#draining ??= this.#drain();
    });
  }

  readNodes(keys: readonly NodeKey[]): Promise<Buffer[]> {
    return readNodes(this.#store, keys);
  }

  readEntries(from: number, to: number): Promise<StoredEntry[]> {
    return readEntries(this.#store, from, to);
  }

  readEntry(index: number): Promise<Buffer> {
    return readEntry(this.#store, index);
  }

  /** Refuses new appends and waits for queued ones to commit (or fail). Leaves the store open. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#draining;
  }

  /**
   * One group per turn: idle, the first call starts a group right away (after
   * the calls of the same tick join it); busy, calls queue while a commit is
   * in flight and the next group takes them all.
   */
  async #drain(): Promise<void> {
    await Promise.resolve();
    while (this.#queue.length > 0) {
      await this.#commit(this.#takeGroup());
      // Callers woken by this commit, and requests read meanwhile, join the next group.
      await nextTurn();
    }
    this.#draining = undefined;
  }

  #takeGroup(): PendingAppend[] {
    let rows = this.#queue[0]!.rows.length;
    let n = 1;
    while (n < this.#queue.length && rows + this.#queue[n]!.rows.length <= this.#maxGroup) {
      rows += this.#queue[n]!.rows.length;
      n++;
    }
    return this.#queue.splice(0, n);
  }

  async #commit(group: PendingAppend[]): Promise<void> {
    try {
      const { frontier, outcomes } = await this.#store.transaction((tx) =>
        writeGroup(tx, this.#frontier, group, this.#now()),
      );
      this.#frontier = frontier;
      group.forEach((call, i) => {
        const outcome = outcomes[i]!;
        if (outcome instanceof AuditError) call.reject(outcome);
        else call.resolve(outcome);
      });
    } catch (err) {
      // Whatever the store holds now is the truth: the next group reloads the edge from it.
      this.#frontier = undefined;
      const failure = isAuditError(err)
        ? err
        : new AuditError(
            'ERR_AUDIT_UNAVAILABLE',
            'the log could not commit the append; retry it with the same idempotency key',
            { cause: err },
          );
      for (const call of group) call.reject(failure);
    }
  }
}

/** Checks and copies one call's input before it queues, so a bad call fails alone. */
function prepare(
  entries: readonly LogEntryInput[],
  options: AppendOptions,
  now: number,
): Omit<PendingAppend, 'resolve' | 'reject'> {
  const count = Array.isArray(entries) ? entries.length : 0;
  if (count < 1 || count > MAX_ENTRIES_PER_APPEND) {
    throw new AuditError('ERR_AUDIT_INVALID', `an append takes 1 to ${MAX_ENTRIES_PER_APPEND} entries`);
  }
  checkIdempotencyKey(options.idempotencyKey, options.client);
  const rows: EntryRow[] = [];
  const leafHashes: Buffer[] = [];
  for (const entry of entries) {
    if (!(entry?.leaf instanceof Uint8Array) || entry.leaf.length > MAX_LEAF_BYTES) {
      throw new AuditError('ERR_AUDIT_INVALID', `a leaf is at most ${MAX_LEAF_BYTES} bytes`);
    }
    const leaf = Buffer.from(entry.leaf);
    const hash = leafHash(leaf);
    rows.push([0, leaf, hash, entryTime(entry.columns, now), ...columnValues(entry.columns)]);
    leafHashes.push(hash);
  }
  return {
    rows,
    leafHashes,
    key: options.idempotencyKey,
    client: options.client ?? '',
    digest:
      options.idempotencyKey === undefined ? Buffer.alloc(0) : (options.digest ?? batchDigest(leafHashes)),
  };
}
