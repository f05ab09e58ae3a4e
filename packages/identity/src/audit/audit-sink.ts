import type { MigrationSet } from '@onegate/store';

/**
 * What happened, in the fields every later audit consumer needs; `details`
 * never holds secrets. The sink masks personal data in `reason` and
 * `details` before it is stored (the server's is the tamper-evident log of
 * `@onegate/audit`); the fields that name someone on purpose (`actor`,
 * `clientId`, `subject`, `sessionId`, `address`) are kept.
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

/**
 * Where identity writes what it did: the tamper-evident log of
 * `@onegate/audit` (`AuditService.write`) in the server and the CLI. A write
 * resolves once the event is durable.
 */
export interface AuditSink {
  write(event: AuditEvent): Promise<void>;
}

/**
 * The table of the simple sink identity wrote to before the Merkle audit log:
 * legacy, no longer written or read by OneGate. The migration stays so that
 * databases that have it still migrate in order, and so that what was
 * recorded there before the upgrade is kept for the record.
 */
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
