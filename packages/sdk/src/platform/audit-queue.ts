import { createHash, randomUUID } from 'node:crypto';
import { OneGateError } from '../errors.ts';
import { auditLine, type AuditEventInput } from './audit-event.ts';
import { backoffDelay } from './backoff.ts';
import type { AuditDropReason } from './options.ts';

/** What became of one delivery attempt of a batch. */
export type Delivery =
  | { outcome: 'delivered' }
  /** Not taken, nothing appended: try the same batch again later (outage, 5xx, 429, token trouble). */
  | { outcome: 'retry'; error: OneGateError; retryAfterMs?: number }
  /** OneGate refused the batch as invalid (4xx): something in it will never be taken. */
  | { outcome: 'refused'; error: OneGateError };

/** Sends NDJSON lines under an idempotency key; never rejects. */
export type Deliver = (lines: readonly string[], idempotencyKey: string) => Promise<Delivery>;

export interface AuditQueueSettings {
  maxQueue: number;
  batchSize: number;
  batchDelayMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  flushTimeoutMs: number;
  onDrop?: ((event: AuditEventInput, reason: AuditDropReason) => void) | undefined;
  onError?: ((error: OneGateError, event?: AuditEventInput) => void) | undefined;
  random?: () => number;
}

interface Queued {
  seq: number;
  /** Given at `write`: the batch's idempotency key is made from its events' keys. */
  key: string;
  line: string;
  event: AuditEventInput;
}

interface Waiter {
  upTo: number;
  resolve: () => void;
  reject: (error: OneGateError) => void;
}

/**
 * The idempotency key of a batch: a digest of its events' own keys, so the
 * same events in the same order always travel under the same key. A batch
 * is never changed between retries, so when OneGate committed it but the
 * answer was lost, the retry gets back the first call's indexes instead of
 * a second copy.
 */
export function batchKey(events: readonly { key: string }[]): string {
  const digest = createHash('sha256')
    .update(events.map((e) => e.key).join('\n'))
    .digest('base64url');
  return `og-sdk-${digest}`;
}

/**
 * The audit queue: `write` only validates and queues (never waits, never
 * throws on an outage); one sender posts the oldest events in order, one
 * batch at a time, retrying with backoff until OneGate takes them.
 *
 * When a batch is refused as invalid, it is halved until the one bad event
 * is found, which is reported and taken off (`rejected`): one poison event
 * never holds back the log behind it. When the queue is full, new events are
 * refused (`dropped`, `onDrop`): the events already accepted, the older
 * history, are never thrown away to make room.
 */
export class AuditQueue {
  readonly #settings: AuditQueueSettings;
  readonly #deliver: Deliver;
  readonly #queue: Queued[] = [];
  /** How many events at the head form the batch in flight or awaiting retry: frozen until settled. */
  #batch = 0;
  /** The largest batch to form next: halved while a refused batch is searched for its bad event. */
  #limit: number;
  #seq = 0;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #sending = false;
  #stopped = false;
  #waiters: Waiter[] = [];
  #dropped = 0;
  #rejected = 0;

  constructor(settings: AuditQueueSettings, deliver: Deliver) {
    this.#settings = settings;
    this.#deliver = deliver;
    this.#limit = settings.batchSize;
  }

  /** Events written and not yet acknowledged by OneGate (including the batch in flight). */
  get pending(): number {
    return this.#queue.length;
  }

  /** Events refused by `write`: the queue was full, or the client closed. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Events OneGate refused as invalid, each reported to `onError`. */
  get rejected(): number {
    return this.#rejected;
  }

  /**
   * Queues `event`. Returns `false` when it was refused (queue full, or after
   * `close`), after counting it and calling `onDrop`.
   *
   * @throws OneGateError `ERR_AUDIT_INVALID` for an event OneGate would never take (a programming error).
   */
  write(event: AuditEventInput): boolean {
    const line = auditLine(event, new Date());
    if (this.#stopped || this.#queue.length >= this.#settings.maxQueue) {
      this.#drop(event, this.#stopped ? 'closed' : 'queue_full');
      return false;
    }
    this.#queue.push({ seq: ++this.#seq, key: randomUUID(), line, event });
    if (!this.#sending && this.#timer === undefined) {
      this.#schedule(this.#queue.length >= this.#settings.batchSize ? 0 : this.#settings.batchDelayMs);
    }
    return true;
  }

  /**
   * Resolves once every event written before the call is acknowledged by
   * OneGate (or refused as invalid and reported). A wait between retries is
   * cut short: a flush asks for an attempt now.
   *
   * @throws OneGateError `ERR_AUDIT_FLUSH_TIMEOUT` after `timeoutMs` (default `flushTimeoutMs`); the events stay queued.
   */
  flush(timeoutMs = this.#settings.flushTimeoutMs): Promise<void> {
    const upTo = this.#seq;
    if (this.#settledThrough() >= upTo) return Promise.resolve();
    if (!this.#sending && !this.#stopped) this.#schedule(0);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(
          new OneGateError('ERR_AUDIT_FLUSH_TIMEOUT', 'OneGate did not acknowledge the audit events in time'),
        );
      }, timeoutMs);
      timer.unref();
      const waiter: Waiter = {
        upTo,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#waiters.push(waiter);
    });
  }

  /**
   * Refuses further writes, flushes, and stops the sender. Events still
   * unacknowledged when the flush times out go to `onDrop` (`closed`) and
   * the promise rejects; a batch in flight at that moment may still land.
   */
  async close(timeoutMs = this.#settings.flushTimeoutMs): Promise<void> {
    try {
      await this.flush(timeoutMs);
    } finally {
      this.#stopped = true;
      this.#clearTimer();
      const left = this.#queue.splice(0);
      this.#batch = 0;
      for (const { event } of left) this.#drop(event, 'closed');
      const waiting = this.#waiters.splice(0);
      if (left.length > 0) {
        const error = new OneGateError(
          'ERR_AUDIT_UNDELIVERED',
          'the audit client closed before OneGate took every event',
        );
        for (const waiter of waiting) waiter.reject(error);
      } else {
        for (const waiter of waiting) waiter.resolve();
      }
    }
  }

  #settledThrough(): number {
    return this.#queue.length === 0 ? this.#seq : this.#queue[0]!.seq - 1;
  }

  #schedule(ms: number): void {
    this.#clearTimer();
    // Never what keeps the process alive: an app shuts down with close().
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#run();
    }, ms);
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #run(): Promise<void> {
    if (this.#sending) return;
    this.#sending = true;
    try {
      while (!this.#stopped && this.#queue.length > 0) {
        if (this.#batch === 0) this.#batch = Math.min(this.#limit, this.#queue.length);
        const batch = this.#queue.slice(0, this.#batch);
        const delivery = await this.#deliver(
          batch.map((e) => e.line),
          batchKey(batch),
        );
        if (this.#stopped) return;
        if (delivery.outcome === 'retry') {
          this.#report(
            new OneGateError(
              'ERR_AUDIT_UNDELIVERED',
              'audit events could not be delivered yet; they stay queued',
              {
                cause: delivery.error,
              },
            ),
          );
          this.#schedule(
            backoffDelay(
              this.#attempt++,
              this.#settings.initialBackoffMs,
              this.#settings.maxBackoffMs,
              delivery.retryAfterMs,
              this.#settings.random,
            ),
          );
          return;
        }
        this.#attempt = 0;
        if (delivery.outcome === 'delivered') {
          this.#queue.splice(0, batch.length);
          this.#batch = 0;
        } else if (batch.length > 1) {
          // Nothing of a refused batch was appended: look for the bad event in the first half.
          this.#limit = Math.ceil(batch.length / 2);
          this.#batch = this.#limit;
        } else {
          const [bad] = this.#queue.splice(0, 1);
          this.#batch = 0;
          this.#limit = this.#settings.batchSize;
          this.#rejected++;
          this.#report(
            new OneGateError(
              'ERR_AUDIT_REJECTED',
              'OneGate refused an audit event; it was taken off the queue',
              {
                cause: delivery.error,
              },
            ),
            bad!.event,
          );
        }
        this.#wake();
      }
    } finally {
      this.#sending = false;
      this.#wake();
    }
  }

  #wake(): void {
    const settled = this.#settledThrough();
    const ready = this.#waiters.filter((w) => w.upTo <= settled);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.upTo > settled);
    for (const waiter of ready) waiter.resolve();
  }

  #drop(event: AuditEventInput, reason: AuditDropReason): void {
    this.#dropped++;
    try {
      this.#settings.onDrop?.(event, reason);
    } catch {
      // The app's callback failing must not break its request path.
    }
  }

  #report(error: OneGateError, event?: AuditEventInput): void {
    try {
      this.#settings.onError?.(error, event);
    } catch {
      // As above.
    }
  }
}
