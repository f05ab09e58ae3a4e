import { createHash } from 'node:crypto';
import type { Store } from '@onegate/store';
import { canonicalJson } from '../canonical/jcs.ts';
import { formatCheckpoint, signCheckpoint } from '../checkpoint/checkpoint.ts';
import { addCosignatures, type Witness } from '../checkpoint/witness.ts';
import type { NoteVerifier } from '../checkpoint/note.ts';
import { AuditError } from '../errors.ts';
import { canonicalEvent } from '../event/canonical-event.ts';
import { parseEvent, type AuditEvent } from '../event/event-schema.ts';
import { exportLine, csvHeader, type ExportFormat } from '../event/export-formats.ts';
import type { LogEntryInput, MerkleLog } from '../log/appender.ts';
import type { EntryColumns } from '../log/entry-columns.ts';
import type { AppendResult } from '../log/idempotency.ts';
import { MIN_RETENTION_DAYS, pruneEntries } from '../log/retention.ts';
import type { Forwarder } from '../forward/forwarder.ts';
import { consistencyProof, inclusionProof, rootAt } from '../merkle/proofs.ts';
import type { CheckpointKey, CheckpointKeyKind, CheckpointKeys } from './checkpoint-keys.ts';
import { inRequest, toEventInput, type ComponentEvent } from './component-event.ts';
import { MAX_PAGE, queryPage, type EventFilter, type QueriedEvent } from './query.ts';
import { withoutSecrets } from '../event/secret-details.ts';

/** Masks personal data; the server backs it with `@onegate/privacy`'s detector (audit imports no privacy). */
export interface Masker {
  text(value: string): string;
  json(value: unknown): unknown;
}

export interface AuditServiceOptions {
  store: Store;
  log: MerkleLog;
  keys: CheckpointKeys;
  /** The log's name in checkpoints and its key name, e.g. `gov.example/onegate/audit`. */
  origin: string;
  masker?: Masker;
  witnesses?: readonly Witness[];
  /** How often a new checkpoint is signed while the log grows (default 60 s); 0: only on demand. */
  checkpointIntervalMs?: number;
  /** Entries older than this lose their body (default 180, the legal minimum; never less). */
  retentionDays?: number;
  /**
   * Where retention writes (default `store`): on PostgreSQL a connection as a
   * role of its own, the only one allowed to change audit entries (ASVS 13.2.2).
   */
  retentionStore?: Store;
  /** How often retention runs (default hourly); 0: only when `prune` is called. */
  pruneIntervalMs?: number;
  /** Copies every durable event to a SIEM, off the append's path. */
  forwarder?: Forwarder;
  clock?: () => number;
  onError?: (err: unknown) => void;
}

export const MAX_EVENTS_PER_BATCH = 10_000;

/** The writer name of OneGate's own components. */
const ONEGATE_WRITER = 'onegate';
/** Actions only OneGate records: an app cannot put a forged decrypt or sign-in in someone's history. */
const RESERVED_ACTIONS =
  /^(privacy|audit|authz|account|login|logout|token|consent|grant|address|onegate)(\.|$)/;

export interface Proof {
  index?: number;
  from?: number;
  size: number;
  root: string;
  leafHash?: string;
  hashes: string[];
}

const b64 = (b: Buffer) => b.toString('base64');

/** A component's event waiting for the end of the event loop's turn. */
interface ComponentWrite {
  event: ComponentEvent;
  /** When it was written: its time in the log. */
  at: number;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * The one audit log: events from every app and every OneGate component,
 * validated, masked, canonicalized (RFC 8785) and appended to the Merkle
 * log; signed checkpoints; proofs; search and export.
 */
export class AuditService {
  readonly origin: string;
  /** The last time witnesses were asked to cosign, and how it went: for the officers' integrity dashboard. */
  witnessStatus: { at: number; ok: boolean; size: number; error?: string } | undefined;
  readonly #store: Store;
  readonly #retentionStore: Store;
  readonly #log: MerkleLog;
  readonly #keys: CheckpointKeys;
  readonly #masker: Masker | undefined;
  readonly #witnesses: readonly Witness[];
  readonly #intervalMs: number;
  readonly #clock: () => number;
  readonly #onError: (err: unknown) => void;
  readonly #pending = new Set<Promise<unknown>>();
  #components: ComponentWrite[] = [];
  readonly #retentionDays: number;
  readonly #forwarder: Forwarder | undefined;
  readonly #pruneIntervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  #pruning: Promise<number> | undefined;
  #checkpointing: Promise<string> | undefined;

  constructor(options: AuditServiceOptions) {
    this.origin = options.origin;
    this.#store = options.store;
    this.#retentionStore = options.retentionStore ?? options.store;
    this.#log = options.log;
    this.#keys = options.keys;
    this.#masker = options.masker;
    this.#witnesses = options.witnesses ?? [];
    this.#intervalMs = options.checkpointIntervalMs ?? 60_000;
    this.#clock = options.clock ?? Date.now;
    this.#onError = options.onError ?? (() => undefined);
    this.#retentionDays = options.retentionDays ?? MIN_RETENTION_DAYS;
    if (!Number.isSafeInteger(this.#retentionDays) || this.#retentionDays < MIN_RETENTION_DAYS) {
      throw new AuditError('ERR_AUDIT_INVALID', `retention is at least ${MIN_RETENTION_DAYS} days`);
    }
    this.#pruneIntervalMs = options.pruneIntervalMs ?? 3_600_000;
    this.#forwarder = options.forwarder;
  }

  async start(): Promise<void> {
    await this.#log.start();
    await this.#keys.signing();
    if (this.#intervalMs > 0) {
      this.#timer = setInterval(() => {
        this.checkpoint().catch(this.#onError);
      }, this.#intervalMs);
      this.#timer.unref();
    }
    if (this.#pruneIntervalMs > 0) {
      this.#pruneTimer = setInterval(() => {
        this.prune().catch(this.#onError);
      }, this.#pruneIntervalMs);
      this.#pruneTimer.unref();
    }
  }

  /**
   * Retention: bodies of entries older than the retention period go, in
   * short batches; leaf hashes stay, so checkpoints and proofs still verify.
   */
  async prune(now = this.#clock()): Promise<number> {
    this.#pruning ??= pruneEntries(this.#retentionStore, {
      retentionDays: this.#retentionDays,
      now,
    }).finally(() => (this.#pruning = undefined));
    return this.#pruning;
  }

  /** Waits for every write in flight, signs a last checkpoint, and refuses further appends. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
    await this.#pruning?.catch(this.#onError);
    await this.flush();
    await this.checkpoint().catch(this.#onError);
    await this.#log.close();
    await this.#forwarder?.close();
  }

  /** Resolves when every write accepted so far is durable (or failed). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  // ---- writing

  /**
   * Validates every event first (one bad event refuses the batch, naming it),
   * masks personal data in `reason` and `details` except keys declared
   * encrypted, and appends them all with consecutive indexes once durable.
   */
  async append(
    inputs: readonly unknown[],
    writer: { clientId: string },
    options: { idempotencyKey?: string } = {},
  ): Promise<AppendResult> {
    if (inputs.length === 0 || inputs.length > MAX_EVENTS_PER_BATCH) {
      throw new AuditError('ERR_AUDIT_INVALID', `a batch holds 1 to ${MAX_EVENTS_PER_BATCH} events`);
    }
    const now = this.#clock();
    // Kept until the commit only when a forwarder will send them on.
    const forwarder = this.#forwarder;
    const events: AuditEvent[] | undefined = forwarder ? [] : undefined;
    const entries = inputs.map((input, i) => {
      const prepared = this.#prepare(input, writer.clientId, now, inputs.length > 1 ? `events[${i}]: ` : '');
      events?.push(prepared.event);
      return prepared.entry;
    });
    const write = this.#log.append(entries, {
      ...(options.idempotencyKey === undefined
        ? {}
        : { idempotencyKey: options.idempotencyKey, digest: inputDigest(inputs) }),
      client: writer.clientId,
    });
    const result = await this.#track(write);
    // A retried batch was forwarded when it was first appended: the SIEM gets each event once.
    if (forwarder && events && !result.replayed)
      forwarder.forward(events.map((event, i) => ({ index: result.first + i, event })));
    return result;
  }

  /**
   * The `AuditSink` of OneGate's own components: resolves once the event is
   * durable. Events written during one turn of the event loop (every request
   * it served) are checked one after another and appended together at its
   * end, a call of their own each in all but the log's transaction: a bad
   * event is refused alone.
   */
  write(event: ComponentEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#components.push({ event: inRequest(event), at: this.#clock(), resolve, reject });
      if (this.#components.length === 1) {
        // Never rejects (each caller hears of its own failure); tracked so `flush` and `close` wait for it.
        void this.#track(new Promise((ready) => setImmediate(ready)).then(() => this.#writeComponents()));
      }
    });
  }

  async #writeComponents(): Promise<void> {
    const queued = this.#components;
    this.#components = [];
    for (let start = 0; start < queued.length; start += MAX_EVENTS_PER_BATCH) {
      const accepted: ComponentWrite[] = [];
      const events: AuditEvent[] = [];
      const entries: LogEntryInput[] = [];
      for (const call of queued.slice(start, start + MAX_EVENTS_PER_BATCH)) {
        try {
          const prepared = this.#prepare(toEventInput(call.event), ONEGATE_WRITER, call.at, '');
          accepted.push(call);
          events.push(prepared.event);
          entries.push(prepared.entry);
        } catch (err) {
          call.reject(err);
        }
      }
      if (entries.length === 0) continue;
      try {
        const { first } = await this.#log.append(entries, { client: ONEGATE_WRITER });
        this.#forwarder?.forward(events.map((event, i) => ({ index: first + i, event })));
        for (const call of accepted) call.resolve();
      } catch (err) {
        for (const call of accepted) call.reject(err);
      }
    }
  }

  /** Several of them as one append per 10,000 (consecutive indexes, all or none). */
  async writeMany(events: readonly ComponentEvent[]): Promise<void> {
    const appends: Array<Promise<AppendResult>> = [];
    for (let i = 0; i < events.length; i += MAX_EVENTS_PER_BATCH) {
      const inputs = events.slice(i, i + MAX_EVENTS_PER_BATCH).map((event) => toEventInput(inRequest(event)));
      appends.push(this.append(inputs, { clientId: ONEGATE_WRITER }));
    }
    await Promise.all(appends);
  }

  // ---- checkpoints

  /** Signs the current tree head (once per size) and returns the newest checkpoint note; one at a time. */
  checkpoint(): Promise<string> {
    this.#checkpointing ??= this.#checkpoint().finally(() => (this.#checkpointing = undefined));
    return this.#checkpointing;
  }

  async #checkpoint(): Promise<string> {
    const head = await this.#log.head();
    const latest = await this.#latest();
    if (latest && latest.size === head.size) return latest.note;
    const keys = await this.#keys.signing();
    const body = formatCheckpoint({
      origin: this.origin,
      size: head.size,
      root: head.root,
      time: this.#clock(),
    });
    const signed = await signCheckpoint(
      body,
      keys.map((k) => k.signer),
    );
    // A witness that is down must not stop the log from publishing its own signed head.
    let note = signed;
    if (this.#witnesses.length > 0) {
      try {
        note = await addCosignatures(signed, [...this.#witnesses]);
        this.witnessStatus = { at: this.#clock(), ok: true, size: head.size };
      } catch (err) {
        this.witnessStatus = { at: this.#clock(), ok: false, size: head.size, error: (err as Error).message };
        this.#onError(err);
      }
    }
    // The primary key on size: an instance that signed the same size first wins; both notes say the same.
    await this.#store.exec(
      `INSERT INTO audit_checkpoints (size, root, note, at) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING`,
      [head.size, head.root, note, this.#clock()],
    );
    return (await this.#latest())!.note;
  }

  /**
   * The newest checkpoint for publishing: the stored one while it is younger
   * than `maxAgeMs`, else a fresh one if the log grew. Anyone may ask, so
   * asking often signs at most one checkpoint per `maxAgeMs`.
   */
  async publishedCheckpoint(maxAgeMs = 5000): Promise<string> {
    const rows = await this.#store.query<{ note: string; at: number }>(
      'SELECT note, at FROM audit_checkpoints ORDER BY size DESC LIMIT 1',
    );
    const latest = rows[0];
    if (latest && this.#clock() - Number(latest.at) < maxAgeMs) return latest.note;
    return this.checkpoint();
  }

  /**
   * New checkpoint signing keys, one of each kind signed with (Ed25519, and
   * SM2 where turned on). Checkpoints signed before stay checkable (the old
   * keys remain verifiers); the act is audited, then the next checkpoint is
   * signed with the new keys. Returns the new Ed25519 vkey; publish every
   * one of `vkeys()`.
   */
  async rotateKey(actor: string): Promise<string> {
    const old = await this.#keys.signing();
    const rotated = await this.#keys.rotate();
    const of = (keys: readonly CheckpointKey[], kind: CheckpointKeyKind) =>
      keys.find((k) => k.kind === kind)!.vkey;
    await this.write({
      action: 'audit.checkpoint_key.rotate',
      outcome: 'success',
      actor,
      details: {
        previous: of(old, 'ed25519'),
        current: of(rotated, 'ed25519'),
        ...(this.#keys.kinds.includes('sm2')
          ? { previousSm2: of(old, 'sm2'), currentSm2: of(rotated, 'sm2') }
          : {}),
      },
    });
    await this.checkpoint();
    return of(rotated, 'ed25519');
  }

  /**
   * The verifier key (C2SP vkey) of the current checkpoint key of a kind:
   * Ed25519 by default; `ERR_AUDIT_NOT_FOUND` for SM2 unless it is turned on.
   */
  async vkey(kind: CheckpointKeyKind = 'ed25519'): Promise<string> {
    return (await this.#keys.current(kind)).vkey;
  }

  /** The vkey of every kind that signs checkpoints, Ed25519 first: what to publish. */
  async vkeys(): Promise<string[]> {
    return (await this.#keys.signing()).map((k) => k.vkey);
  }

  /** Every key that ever signed this log's checkpoints, rotated ones too: what an old checkpoint is checked with. */
  verifiers(): Promise<NoteVerifier[]> {
    return this.#keys.verifiers();
  }

  async checkpoints(): Promise<{ size: number; note: string }[]> {
    const rows = await this.#store.query<{ size: number; note: string }>(
      'SELECT size, note FROM audit_checkpoints ORDER BY size',
    );
    return rows.map((r) => ({ size: Number(r.size), note: r.note }));
  }

  async #latest(): Promise<{ size: number; note: string } | undefined> {
    const rows = await this.#store.query<{ size: number; note: string }>(
      'SELECT size, note FROM audit_checkpoints ORDER BY size DESC LIMIT 1',
    );
    return rows[0] ? { size: Number(rows[0].size), note: rows[0].note } : undefined;
  }

  // ---- proofs and entries

  /** RFC 9162 inclusion proof of entry `index` in the tree of `size` (default: the current size). */
  async inclusionProof(index: number, size?: number): Promise<Proof> {
    const treeSize = await this.#treeSize(size);
    checkIndex(index, 'index');
    if (index >= treeSize) throw new AuditError('ERR_AUDIT_NOT_FOUND', 'no entry at that index in that tree');
    const read = (keys: Parameters<MerkleLog['readNodes']>[0]) => this.#log.readNodes(keys);
    const [hashes, root, [leaf]] = await Promise.all([
      inclusionProof(index, treeSize, read),
      rootAt(treeSize, read),
      this.#log.readNodes([{ level: 0, index }]),
    ]);
    return { index, size: treeSize, root: b64(root), leafHash: b64(leaf!), hashes: hashes.map(b64) };
  }

  /** RFC 9162 consistency proof between the trees of sizes `from` and `to`. */
  async consistencyProof(from: number, to?: number): Promise<Proof> {
    const treeSize = await this.#treeSize(to);
    checkIndex(from, 'from');
    if (from < 1 || from > treeSize)
      throw new AuditError('ERR_AUDIT_INVALID', 'from must be 1 to the tree size');
    const read = (keys: Parameters<MerkleLog['readNodes']>[0]) => this.#log.readNodes(keys);
    const [hashes, root] = await Promise.all([
      consistencyProof(from, treeSize, read),
      rootAt(treeSize, read),
    ]);
    return { from, size: treeSize, root: b64(root), hashes: hashes.map(b64) };
  }

  /** The exact leaf bytes of an entry. */
  async entry(index: number): Promise<Buffer> {
    checkIndex(index, 'index');
    if (index >= (await this.#log.size()))
      throw new AuditError('ERR_AUDIT_NOT_FOUND', 'no entry at that index');
    return this.#log.readEntry(index);
  }

  async #treeSize(size: number | undefined): Promise<number> {
    const current = await this.#log.size();
    if (size === undefined) return current;
    checkIndex(size, 'size');
    if (size > current) throw new AuditError('ERR_AUDIT_NOT_FOUND', 'the log is not that large yet');
    return size;
  }

  // ---- search and export

  async query(
    filter: EventFilter,
    options: { before?: number; limit?: number } = {},
  ): Promise<{ events: QueriedEvent[]; nextBefore?: number }> {
    const limit = options.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new AuditError('ERR_AUDIT_INVALID', `limit is 1 to ${MAX_PAGE}`);
    }
    return queryPage(this.#store, filter, { ...options, limit });
  }

  /** Every matching event, newest first, one line (or CSV row) at a time. */
  async *export(filter: EventFilter, format: ExportFormat): AsyncGenerator<string> {
    if (format === 'csv') yield csvHeader();
    let before: number | undefined;
    for (;;) {
      const page = await queryPage(this.#store, filter, {
        ...(before === undefined ? {} : { before }),
        limit: MAX_PAGE,
      });
      for (const { index, event } of page.events) yield exportLine(format, event, index);
      if (page.nextBefore === undefined) return;
      before = page.nextBefore;
    }
  }

  /** One event validated, masked and canonicalized: what the log stores of it. */
  #prepare(
    input: unknown,
    writer: string,
    now: number,
    where: string,
  ): { event: AuditEvent; entry: LogEntryInput } {
    const event = this.#mask(parseEvent(input, { at: now, by: writer }, where));
    if (
      writer !== ONEGATE_WRITER &&
      (RESERVED_ACTIONS.test(event.action) || event.actor.type === 'service')
    ) {
      throw new AuditError(
        'ERR_AUDIT_INVALID',
        `${where}actions ${RESERVED_ACTIONS.source} and actor type service are OneGate's own; name the app's action`,
      );
    }
    let leaf: Buffer;
    try {
      leaf = canonicalEvent(event);
    } catch (err) {
      throw new AuditError('ERR_AUDIT_INVALID', `${where}details must be plain JSON`, { cause: err });
    }
    return { event, entry: { leaf, columns: columnsOf(event, now) } };
  }

  /**
   * Redacts credentials in `details` (secret-details.ts), then masks personal
   * data in `reason` and every value of `details`, declared encrypted or not:
   * the detector never alters a ciphertext envelope, so a real one is kept
   * whole, and a value wrongly declared encrypted is still masked rather than
   * trusted.
   */
  #mask(event: AuditEvent): AuditEvent {
    const masker = this.#masker;
    const details =
      event.details === undefined ? undefined : (withoutSecrets(event.details) as Record<string, unknown>);
    if (!masker) return details === undefined ? event : { ...event, details };
    return {
      ...event,
      ...(event.reason === undefined ? {} : { reason: masker.text(event.reason) }),
      ...(details === undefined
        ? {}
        : { details: Object.fromEntries(Object.entries(details).map(([k, v]) => [k, masker.json(v)])) }),
    };
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#pending.add(promise);
    const done = () => this.#pending.delete(promise);
    promise.then(done, done);
    return promise;
  }
}

/** A retry is the same batch when the writer sent the same events, whatever time it is now. */
function inputDigest(inputs: readonly unknown[]): Buffer {
  return createHash('sha256').update('onegate-audit-batch-v1\n').update(canonicalJson(inputs)).digest();
}

function columnsOf(event: AuditEvent, now: number): EntryColumns {
  return {
    at: now,
    action: event.action,
    actor: event.actor.id,
    subject: event.target?.subject ?? null,
    outcome: event.outcome,
    department: event.actor.department ?? null,
    // The app that wrote it, as authenticated: a writer's own `source.clientId` is its claim, not searched by.
    // OneGate's components record the app they acted for there.
    clientId:
      event.recorded.by === ONEGATE_WRITER ? (event.source?.clientId ?? ONEGATE_WRITER) : event.recorded.by,
    purpose: event.purpose ?? null,
  };
}

function checkIndex(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new AuditError('ERR_AUDIT_INVALID', `${name} must be a whole number of at least 0`);
  }
}
