import type { ComponentAuditSink, ComponentEvent } from '@onegate/audit';
import type { MigrationSet } from '@onegate/store';

/**
 * What identity did, in the audit log's component shape: the log masks
 * personal data in `reason` and `details` before storing them, keeps the
 * fields that name someone on purpose (`actor`, `clientId`, `subject`,
 * `sessionId`, `address`), and leaves `sealedDetails` envelopes whole.
 */
export type AuditEvent = ComponentEvent;
export type AuditSink = ComponentAuditSink;

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
