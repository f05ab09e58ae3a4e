import type { MigrationSet, Store } from '@onegate/store';

/** What happened, in the fields every later audit consumer needs; `details` never holds secrets. */
export interface AuditEvent {
  action: string;
  outcome: 'success' | 'failure' | 'denied';
  /** Who acted: an account id, a client id, or `operator` for the CLI. */
  actor?: string | undefined;
  /** The app the act was for. */
  clientId?: string | undefined;
  /** Whose data or account it touched. */
  subject?: string | undefined;
  address?: string | undefined;
  sessionId?: string | undefined;
  reason?: string | undefined;
  details?: Record<string, unknown> | undefined;
}

/** Where identity writes what it did; the tamper-evident log implements this later. */
export interface AuditSink {
  write(event: AuditEvent): Promise<void>;
}

export const auditMigrations: MigrationSet = {
  owner: 'identity-audit',
  migrations: [
    {
      version: 1,
      name: 'simple audit events',
      up: {
        sqlite: `CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL,
  actor TEXT, client_id TEXT, subject TEXT, address TEXT, session_id TEXT, reason TEXT,
  details TEXT
);
CREATE INDEX audit_events_action ON audit_events (action, at);`,
        postgres: `CREATE TABLE audit_events (
  seq BIGSERIAL PRIMARY KEY,
  at BIGINT NOT NULL,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL,
  actor TEXT, client_id TEXT, subject TEXT, address TEXT, session_id TEXT, reason TEXT,
  details TEXT
);
CREATE INDEX audit_events_action ON audit_events (action, at);`,
      },
    },
  ],
};

interface Pending {
  event: AuditEvent;
  at: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * A plain append-only table, enough until the Merkle log replaces it. A write
 * resolves only once its row is committed (durable), but writes that arrive
 * together share one transaction (group commit): one disk flush for many
 * events instead of one each.
 */
export class StoreAuditSink implements AuditSink {
  readonly #store: Store;
  readonly #maxDelayMs: number;
  readonly #maxBatch: number;
  #queue: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(store: Store, options: { maxDelayMs?: number; maxBatch?: number } = {}) {
    this.#store = store;
    this.#maxDelayMs = options.maxDelayMs ?? 2;
    this.#maxBatch = options.maxBatch ?? 200;
  }

  write(event: AuditEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ event, at: Date.now(), resolve, reject });
      if (this.#queue.length >= this.#maxBatch) this.#flushSoon(0);
      else this.#flushSoon(this.#maxDelayMs);
    });
  }

  /** Writes what is queued; resolves when everything written so far is committed. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0) {
      this.#flushing = this.#flushing.then(() => this.#writeBatch());
      await this.#flushing;
    }
    await this.#flushing;
  }

  #flushSoon(delayMs: number): void {
    if (this.#timer && delayMs > 0) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      // One batch at a time, in order: the next waits for the previous commit.
      this.#flushing = this.#flushing.then(() => this.#writeBatch());
    }, delayMs);
  }

  async #writeBatch(): Promise<void> {
    const batch = this.#queue.splice(0, this.#maxBatch);
    if (batch.length === 0) return;
    try {
      await this.#store.transaction(async (tx) => {
        for (const { event, at } of batch) {
          await tx.exec(
            `INSERT INTO audit_events (at, action, outcome, actor, client_id, subject, address, session_id, reason, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
            [
              at,
              event.action,
              event.outcome,
              event.actor ?? null,
              event.clientId ?? null,
              event.subject ?? null,
              event.address ?? null,
              event.sessionId ?? null,
              event.reason ?? null,
              event.details ? JSON.stringify(event.details) : null,
            ],
          );
        }
      });
      for (const pending of batch) pending.resolve();
    } catch (err) {
      for (const pending of batch) pending.reject(err);
    }
    if (this.#queue.length > 0) this.#flushSoon(this.#queue.length >= this.#maxBatch ? 0 : this.#maxDelayMs);
  }
}
