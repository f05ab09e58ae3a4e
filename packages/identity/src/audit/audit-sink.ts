import { isEnvelope, redactText } from '@onegate/privacy';
import type { MigrationSet, Store } from '@onegate/store';

/**
 * What happened, in the fields every later audit consumer needs; `details`
 * never holds secrets. Personal data in `reason` and `details` is masked
 * before it is stored (see `StoreAuditSink`); the fields that name someone on
 * purpose (`actor`, `clientId`, `subject`, `sessionId`, `address`) are kept.
 */
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
  /** Free text; masked. */
  reason?: string | undefined;
  /** Facts about the act, stored as JSON; masked at every depth. */
  details?: Record<string, unknown> | undefined;
  /**
   * Keys of `details` whose values are already encrypted: an `og1:` envelope
   * from `sealField`, or an array of them. They are stored exactly as given,
   * without being scanned. A declared value that is not an envelope is
   * masked like any other, so a wrong declaration cannot leak a value.
   */
  sealedDetails?: readonly string[] | undefined;
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

/** One row's values after `at`, masked: action, outcome, actor, client_id, subject, address, session_id, reason, details. */
type RowValues = Array<string | null>;

interface Pending {
  values: RowValues;
  at: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * A plain append-only table, enough until the Merkle log replaces it. A write
 * resolves only once its row is committed (durable), but writes that arrive
 * together share one transaction (group commit): one disk flush for many
 * events instead of one each.
 *
 * Personal data is masked when `write` is called, before anything is queued:
 * the detector of `@onegate/privacy` finds resident IDs, mobiles, bank cards,
 * e-mail addresses and credit codes (validated: a number failing Luhn is not a
 * card) in `reason` and in every string and long integer of `details`, and
 * each is replaced by its masking profile (`138****8000`). Ciphertext
 * envelopes are never altered. An event that cannot be written as JSON
 * (a cycle, a bigint) is refused on its own, without failing its batch.
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
    let values: RowValues;
    try {
      values = rowValues(event);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ values, at: Date.now(), resolve, reject });
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
        for (const { values, at } of batch) {
          await tx.exec(
            `INSERT INTO audit_events (at, action, outcome, actor, client_id, subject, address, session_id, reason, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
            [at, ...values],
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

function rowValues(event: AuditEvent): RowValues {
  return [
    event.action,
    event.outcome,
    event.actor ?? null,
    event.clientId ?? null,
    event.subject ?? null,
    event.address ?? null,
    event.sessionId ?? null,
    event.reason == null ? null : redactText(event.reason),
    event.details ? detailsJson(event.details, new Set(event.sealedDetails ?? [])) : null,
  ];
}

/**
 * `JSON.stringify(details)` with personal data masked. The replacer sees
 * every value as JSON writes it (after `toJSON`), so what is stored is
 * exactly what is scanned.
 */
function detailsJson(details: Record<string, unknown>, sealed: ReadonlySet<string>): string | null {
  let root: unknown;
  let first = true;
  const trusted = new Set<unknown>();
  const json = JSON.stringify(details, function (this: unknown, key: string, value: unknown): unknown {
    if (first) {
      first = false;
      root = value;
      return value;
    }
    if (trusted.has(this)) return value;
    if (this === root && sealed.has(key) && isSealed(value)) {
      if (Array.isArray(value)) trusted.add(value);
      return value;
    }
    if (typeof value === 'string') return redactText(value);
    if (typeof value === 'number' && Number.isSafeInteger(value) && Math.abs(value) >= 1e10) {
      const text = String(value);
      const masked = redactText(text);
      return masked === text ? value : masked;
    }
    return value;
  }) as string | undefined;
  return json ?? null;
}

function isSealed(value: unknown): boolean {
  if (typeof value === 'string') return isEnvelope(value);
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && isEnvelope(item));
}
