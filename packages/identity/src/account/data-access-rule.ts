import type { AuditEvent } from '@onegate/audit';

/** The writer name OneGate's own components record under. */
const ONEGATE = 'onegate';

/**
 * Whether an event about the citizen is an access to their personal data by
 * someone else — what "who looked at my data" lists:
 *
 * - OneGate's own record of a decrypt of their data (`privacy.decrypt`, any
 *   outcome): written by OneGate itself, so no app can forge or omit it;
 * - every event an app wrote naming them as the data subject (`record.read`,
 *   `record.unmask`, an export …): an app names a data subject exactly when it
 *   touched that person's data.
 *
 * Never listed: what the citizen did themselves (they are the actor, under
 * any of their ids), and OneGate's other events about them (sign-ins, tokens,
 * consents, account changes, authorization decisions: the access that a
 * decision allowed is the decrypt, listed on its own).
 */
export function isAccess(event: AuditEvent, subjects: ReadonlySet<string>): boolean {
  const subject = event.target?.subject;
  if (subject === undefined || !subjects.has(subject)) return false;
  if (subjects.has(event.actor.id)) return false;
  return event.recorded.by === ONEGATE ? event.action === 'privacy.decrypt' : true;
}

/** The app an access went through: the writer for an app's event, the caller for OneGate's decrypt. */
export function appOf(event: AuditEvent): string | undefined {
  return event.recorded.by === ONEGATE ? event.source?.clientId : event.recorded.by;
}

/** How long after a decrypt the app's own event of the same access may be recorded. */
export const PAIR_WINDOW_MS = 2 * 60_000;

/**
 * An app that decrypts through OneGate usually records the same access
 * itself (`record.unmask` beside OneGate's `privacy.decrypt`). The two are one
 * access, shown once: same official, same field, same purpose, written by the
 * app that made the decrypt, the app's event after the decrypt and within
 * PAIR_WINDOW_MS of it.
 */
export function sameAccess(
  decrypt: { index: number; event: AuditEvent },
  app: { index: number; event: AuditEvent },
): boolean {
  const d = decrypt.event;
  const a = app.event;
  const gap = Date.parse(a.recorded.at) - Date.parse(d.recorded.at);
  return (
    d.recorded.by === ONEGATE &&
    d.action === 'privacy.decrypt' &&
    a.recorded.by !== ONEGATE &&
    app.index > decrypt.index &&
    gap >= 0 &&
    gap <= PAIR_WINDOW_MS &&
    d.actor.id === a.actor.id &&
    d.target?.resource === a.target?.resource &&
    (d.purpose ?? '') === (a.purpose ?? '') &&
    d.source?.clientId === a.recorded.by
  );
}
