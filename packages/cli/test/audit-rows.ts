import type { Store } from '@onegate/store';

/**
 * An audit log entry in the columns of the old `audit_events` table (as
 * `test/e2e/support/audit-rows.ts` gives them): `details` the JSON text of
 * the event's details, `client_id` its source client, `actor` its actor
 * (`null` for OneGate itself, `onegate`).
 */
export interface AuditRow {
  action: string;
  outcome: string;
  actor: string | null;
  client_id: string | null;
  subject: string | null;
  reason: string | null;
  details: string | null;
}

interface LoggedEvent {
  actor: { id: string };
  action: string;
  outcome: string;
  reason?: string;
  target?: { subject?: string };
  source?: { clientId?: string };
  details?: Record<string, unknown>;
}

/** Every entry of the audit log with `action`, oldest first, from the leaves a command appended. */
export async function auditRows(store: Store, action: string): Promise<AuditRow[]> {
  const rows = await store.query<{ idx: number; leaf: Uint8Array }>(
    'SELECT idx, leaf FROM audit_entries WHERE action = $1 ORDER BY idx',
    [action],
  );
  return rows.map(({ leaf }) => {
    const event = JSON.parse(Buffer.from(leaf).toString('utf8')) as LoggedEvent;
    return {
      action: event.action,
      outcome: event.outcome,
      actor: event.actor.id === 'onegate' ? null : event.actor.id,
      client_id: event.source?.clientId ?? null,
      subject: event.target?.subject ?? null,
      reason: event.reason ?? null,
      details: event.details === undefined ? null : JSON.stringify(event.details),
    };
  });
}
