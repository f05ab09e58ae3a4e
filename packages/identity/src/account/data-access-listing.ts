import type { AuditEvent } from '@onegate/audit';
import type { DataAccessReader, LoggedAccess } from './data-access-reader.ts';
import { isAccess, PAIR_WINDOW_MS, sameAccess } from './data-access-rule.ts';

/** One access as the page lists it: the event (OneGate's decrypt when the app recorded it too). */
export interface Access {
  /** Where the row sits in the log: what the page orders, pages and reports by. */
  index: number;
  event: AuditEvent;
  /** The app's own event of the same access, when it wrote one. */
  appEvent?: AuditEvent | undefined;
}

/** Raw events read per round trip, and at most this many round trips per page shown. */
const FETCH = 200;
const MAX_FETCHES = 25;

/**
 * One page, newest first, of the accesses among the events about `subjects`.
 * A page ends at an index B: every row shown sits at or above B, and the
 * next page reads below B, so no access is shown twice or skipped. An app's
 * event waits (at most PAIR_WINDOW_MS of the log) for the decrypt it
 * belongs to, which sits below it; the pair is shown at the decrypt.
 */
export async function accessPage(
  reader: DataAccessReader,
  subjects: readonly string[],
  page: { before?: number | undefined; limit: number },
): Promise<{ accesses: Access[]; nextBefore?: number | undefined }> {
  const ids = new Set(subjects);
  const done: Access[] = [];
  let pending: LoggedAccess[] = [];
  let before = page.before;
  let exhausted = false;
  for (let fetches = 0; fetches < MAX_FETCHES; fetches++) {
    const raw = await reader.eventsAbout(subjects, { before, limit: FETCH });
    for (const entry of raw.events) {
      const at = Date.parse(entry.event.recorded.at);
      // Events that waited longer than the window for a decrypt had none.
      const expired = pending.filter((p) => Date.parse(p.event.recorded.at) - at > PAIR_WINDOW_MS);
      done.push(...expired.map((p) => ({ index: p.index, event: p.event })));
      pending = pending.filter((p) => !expired.includes(p));
      if (!isAccess(entry.event, ids)) continue;
      if (entry.event.action === 'privacy.decrypt' && entry.event.recorded.by === 'onegate') {
        const partner = pending.find((p) => sameAccess(entry, p));
        pending = pending.filter((p) => p !== partner);
        done.push({ index: entry.index, event: entry.event, appEvent: partner?.event });
      } else {
        pending.push(entry);
      }
    }
    before = raw.nextBefore;
    if (before === undefined) {
      exhausted = true;
      break;
    }
    if (done.length > page.limit && pending.length === 0) break;
  }
  // At the end of the log, or (with thousands of other events in between) after MAX_FETCHES: alone.
  done.push(...pending.map((p) => ({ index: p.index, event: p.event })));
  done.sort((a, b) => b.index - a.index);
  if (done.length > page.limit) {
    const shown = done.slice(0, page.limit);
    return { accesses: shown, nextBefore: shown.at(-1)!.index };
  }
  return exhausted ? { accesses: done } : { accesses: done, nextBefore: before };
}

/** Every access, newest first, for the export; bounded so that one request cannot read the whole log. */
export async function allAccesses(
  reader: DataAccessReader,
  subjects: readonly string[],
  max = 10_000,
): Promise<Access[]> {
  const all: Access[] = [];
  let before: number | undefined;
  do {
    const page = await accessPage(reader, subjects, { before, limit: 500 });
    all.push(...page.accesses);
    before = page.nextBefore;
  } while (before !== undefined && all.length < max);
  return all.slice(0, max);
}
