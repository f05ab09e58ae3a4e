import { setImmediate as nextTurn } from 'node:timers/promises';
import { SqliteStore, type Store } from '@onegate/store';
import { AuditError, isAuditError } from '../errors.ts';
import type { EntryRow } from './batch-insert.ts';
import { columnValues, entryTime, type EntryColumns } from './entry-columns.ts';
import type { Frontier } from './frontier.ts';
import { writeGroup, type PendingAppend } from './group-writer.ts';
import { checkIdempotencyKey, type AppendResult } from './idempotency.ts';
import { loadFrontier, readHead, type TreeHead } from './log-head.ts';
import { readEntries, readEntry, readNodes, type StoredEntry } from './node-reader.ts';
import { SqliteWriterThread } from './sqlite-writer.ts';
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
  /**
   * On SQLite, write groups on a thread of their own (default): the inserts
   * and the commit's fsync then no longer stop the event loop. PostgreSQL
   * commits over the network and never blocks it.
   */
  writerThread?: boolean;
}

export const MAX_ENTRIES_PER_APPEND = 10_000;
export const MAX_LEAF_BYTES = 64 * 1024;
/** Rows that make the writer thread's next message go at once, mid-tick: small enough to start its commit early. */
const SEND_ROWS = 64;

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
 *
 * On SQLite the groups are written on a thread of their own (see
 * `sqlite-writer-thread.ts`), so this thread never waits for an insert or
 * an fsync: it keeps validating the next events while a group commits.
 */
export class MerkleLog {
  readonly #store: Store;
  readonly #maxGroup: number;
  readonly #now: () => number;
  readonly #thread: SqliteWriterThread | undefined;
  #frontier: Frontier | undefined;
  #queue: PendingAppend[] = [];
  #draining: Promise<void> | undefined;
  /** Writer thread only: groups sent and not yet answered, the rows waiting to go, a send at the tick's end. */
  readonly #inFlight = new Set<Promise<void>>();
  #queuedRows = 0;
  #sendQueued = false;
  #closed = false;

  constructor(store: Store, options: MerkleLogOptions = {}) {
    this.#store = store;
    this.#maxGroup = options.maxGroupEntries ?? 4096;
    if (!Number.isSafeInteger(this.#maxGroup) || this.#maxGroup < 1) {
      throw new AuditError('ERR_AUDIT_INVALID', 'maxGroupEntries must be a positive integer');
    }
    this.#now = options.now ?? Date.now;
    if (store instanceof SqliteStore && options.writerThread !== false) {
      this.#thread = new SqliteWriterThread(store.file, this.#maxGroup);
    }
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
      const call = { ...prepare(entries, options, this.#now()), resolve, reject };
      if (this.#thread) return this.#toThread(call);
      this.#queue.push(call);
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
    if (this.#thread) {
      this.#send();
      await Promise.all(this.#inFlight);
      await this.#thread.close();
    }
  }

  /**
   * On the main thread's own transactions, one group per turn: idle, the
   * first call starts a group right away (after the calls of the same tick
   * join it); busy, calls queue while a commit is in flight and the next
   * group takes them all.
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

  /**
   * With the writer thread, calls go out as soon as a few have gathered, or
   * once this turn of the event loop has handled all the I/O it had (every
   * request read in one turn shares a message: at a few events per request,
   * one message each cost the thread a commit each), and the thread commits
   * everything that reached it meanwhile in one transaction. Neither side
   * waits for the other: while the thread commits, this one validates the
   * next calls and sends them.
   */
  #toThread(call: PendingAppend): void {
    this.#queue.push(call);
    this.#queuedRows += call.rows.length;
    if (this.#queuedRows >= SEND_ROWS) this.#send();
    else if (!this.#sendQueued) {
      this.#sendQueued = true;
      setImmediate(() => {
        this.#sendQueued = false;
        this.#send();
      });
    }
  }

  #send(): void {
    if (this.#queue.length === 0) return;
    const group = this.#queue;
    this.#queue = [];
    this.#queuedRows = 0;
    const commit: Promise<void> = this.#commit(group).finally(() => this.#inFlight.delete(commit));
    this.#inFlight.add(commit);
  }

  async #commit(group: PendingAppend[]): Promise<void> {
    try {
      let outcomes: Array<AppendResult | AuditError>;
      if (this.#thread) {
        const written = this.#thread.write(group, this.#now());
        // The thread holds its own copy now: the rows need not stay alive until it commits.
        for (const call of group) call.rows = [];
        outcomes = await written;
      } else {
        const written = await this.#store.transaction((tx) =>
          writeGroup(tx, this.#frontier, group, this.#now()),
        );
        this.#frontier = written.frontier;
        outcomes = written.outcomes;
      }
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
  for (const entry of entries) {
    if (!(entry?.leaf instanceof Uint8Array) || entry.leaf.length > MAX_LEAF_BYTES) {
      throw new AuditError('ERR_AUDIT_INVALID', `a leaf is at most ${MAX_LEAF_BYTES} bytes`);
    }
    // A copy: the caller may reuse its buffer before the group commits. Hashed by the group's writer.
    rows.push([
      0,
      Buffer.from(entry.leaf),
      null,
      entryTime(entry.columns, now),
      ...columnValues(entry.columns),
    ]);
  }
  return {
    rows,
    key: options.idempotencyKey,
    client: options.client ?? '',
    digest: options.idempotencyKey === undefined ? undefined : options.digest,
  };
}
