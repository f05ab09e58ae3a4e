import type { AuditEvent } from '@onegate/audit';

/** An audit log entry and its index (its place in the log, and what a report names). */
export interface LoggedAccess {
  index: number;
  event: AuditEvent;
}

/**
 * What the citizen's "who looked at my data" page reads the audit log
 * through. Identity does not own the log: the server backs this with its
 * `AuditService`. Subjects are always resolved by identity, server-side, for
 * the signed-in citizen; nothing the browser sends is ever one.
 */
export interface DataAccessReader {
  /** One page, newest first, of events whose `target.subject` is any of `subjects`. */
  eventsAbout(
    subjects: readonly string[],
    page: { before?: number | undefined; limit: number },
  ): Promise<{ events: LoggedAccess[]; nextBefore?: number | undefined }>;
  /** The entry at `index`, or nothing when there is none (or its body was pruned). */
  event(index: number): Promise<AuditEvent | undefined>;
}
