import type { AuditEvent, AuditSink } from './audit-sink.ts';

const WINDOW_MS = 60_000;
/** Sources remembered at once; past it the expired go first, then all (a flood from that many addresses). */
const MAX_SOURCES = 10_000;

/**
 * Refusals that anyone can provoke without signing in (a form post with a bad
 * CSRF token, an authorization request for an unregistered redirect URI) are
 * audited (ASVS 16.3.3), but one event per action, reason and source address
 * per minute: the next one says how many were held back meanwhile (`held_back`),
 * so a flood of bad requests cannot flood the log.
 */
export class RefusalAudit {
  readonly #audit: AuditSink;
  readonly #onError: (err: unknown) => void;
  readonly #clock: () => number;
  readonly #seen = new Map<string, { until: number; heldBack: number }>();

  constructor(audit: AuditSink, onError: (err: unknown) => void, clock: () => number = Date.now) {
    this.#audit = audit;
    this.#onError = onError;
    this.#clock = clock;
  }

  report(event: AuditEvent): void {
    const key = `${event.action}\0${event.reason ?? ''}\0${event.address ?? ''}`;
    const now = this.#clock();
    const last = this.#seen.get(key);
    if (last !== undefined && last.until > now) {
      last.heldBack++;
      return;
    }
    if (this.#seen.size >= MAX_SOURCES) this.#forget(now);
    this.#seen.set(key, { until: now + WINDOW_MS, heldBack: 0 });
    const heldBack = last?.heldBack ?? 0;
    const details = heldBack > 0 ? { ...event.details, held_back: heldBack } : event.details;
    this.#audit.write({ ...event, details }).catch(this.#onError);
  }

  #forget(now: number): void {
    for (const [key, entry] of this.#seen) if (entry.until <= now) this.#seen.delete(key);
    if (this.#seen.size >= MAX_SOURCES) this.#seen.clear();
  }
}
