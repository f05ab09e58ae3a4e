import type { Store } from '@onegate/store';

/**
 * An audit log entry in the columns of the old `audit_events` table, so that
 * tests keep asserting what they always did: `details` is the JSON text of
 * the event's details (`null` without), `client_id` the event's source
 * client, `actor` its actor, `null` when the component named none (the log
 * records OneGate itself, `onegate`, then).
 */
export interface AuditRow {
  action: string;
  outcome: string;
  actor: string | null;
  client_id: string | null;
  subject: string | null;
  address: string | null;
  session_id: string | null;
  reason: string | null;
  details: string | null;
  /** The event as logged (canonical JSON, parsed). */
  event: LoggedEvent;
}

/** The fields of a logged event these tests read; see `@onegate/audit`'s `AuditEvent`. */
export interface LoggedEvent {
  actor: { type: string; id: string };
  action: string;
  outcome: string;
  reason?: string;
  target?: { resource?: string; subject?: string };
  source?: { address?: string; userAgent?: string; clientId?: string };
  purpose?: string;
  requestId?: string;
  sessionId?: string;
  details?: Record<string, unknown>;
  encryptedDetails?: string[];
  recorded: { at: string; by: string };
}

/** Something with the store, and optionally the running audit log to wait for (a `RunningServer`). */
export type AuditSource = Store | { store: Store; audit?: { flush(): Promise<void> } };

/**
 * Every entry of the audit log with `action`, oldest first, read from
 * `audit_entries` as an auditor would: each leaf is the event's canonical
 * JSON. Given a running server, waits first for the writes it has accepted.
 */
export async function auditRows(source: AuditSource, action: string): Promise<AuditRow[]> {
  const store = 'store' in source ? source.store : source;
  if ('store' in source) await source.audit?.flush();
  const rows = await store.query<{ idx: number; leaf: Uint8Array }>(
    'SELECT idx, leaf FROM audit_entries WHERE action = $1 ORDER BY idx',
    [action],
  );
  return rows.map(({ leaf }) => toRow(JSON.parse(Buffer.from(leaf).toString('utf8')) as LoggedEvent));
}

function toRow(event: LoggedEvent): AuditRow {
  return {
    action: event.action,
    outcome: event.outcome,
    actor: event.actor.id === 'onegate' ? null : event.actor.id,
    client_id: event.source?.clientId ?? null,
    subject: event.target?.subject ?? null,
    address: event.source?.address ?? null,
    session_id: event.sessionId ?? null,
    reason: event.reason ?? null,
    details: event.details === undefined ? null : JSON.stringify(event.details),
    event,
  };
}
