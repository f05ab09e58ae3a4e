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

/** A plain append-only table: enough until the Merkle log replaces it. Durable before it resolves. */
export class StoreAuditSink implements AuditSink {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async write(event: AuditEvent): Promise<void> {
    await this.#store.exec(
      `INSERT INTO audit_events (at, action, outcome, actor, client_id, subject, address, session_id, reason, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        Date.now(),
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
}
