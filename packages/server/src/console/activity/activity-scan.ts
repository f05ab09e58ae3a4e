import { MAX_PAGE, type AuditEvent, type AuditService, type EventFilter } from '@onegate/audit';

/**
 * The most events of one action the overview reads per request. Beyond it the
 * page says its numbers are partial, rather than keep an officer waiting on a
 * scan of millions (the full export is the audit search's job).
 */
export const MAX_EVENTS_SCANNED = 100_000;

export interface Scanned {
  events: AuditEvent[];
  /** True when MAX_EVENTS_SCANNED stopped the read before the window's start. */
  partial: boolean;
}

/** Every event of `action` appended in [from, to), newest first, through the indexed search. */
export async function scanAction(
  audit: AuditService,
  action: string,
  from: number,
  to: number,
  filter: Omit<EventFilter, 'action' | 'from' | 'to'> = {},
): Promise<Scanned> {
  const events: AuditEvent[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await audit.query(
      { ...filter, action, from, to },
      { limit: MAX_PAGE, ...(before === undefined ? {} : { before }) },
    );
    for (const { event } of page.events) events.push(event);
    if (page.nextBefore === undefined) return { events, partial: false };
    if (events.length >= MAX_EVENTS_SCANNED) return { events, partial: true };
    before = page.nextBefore;
  }
}

/** When OneGate appended it (its own clock, what the search's time filter uses), in ms. */
export function recordedAt(event: AuditEvent): number {
  return Date.parse(event.recorded.at);
}
