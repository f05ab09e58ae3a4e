import type { AuditEvent, AuditService } from '@onegate/audit';
import { ACTIVITY_DAYS, DAY_MS, dayOf, lastDays, startOfDay } from './activity-window.ts';
import { recordedAt, scanAction, type Scanned } from './activity-scan.ts';
import type { EventDepartments } from './event-department.ts';

export const SERIES = ['signIns', 'signInFailures', 'denies', 'decrypts'] as const;
export type SeriesKey = (typeof SERIES)[number];

/** The audit actions each chart counts, and which of their outcomes. */
const COUNTED: Record<SeriesKey, ReadonlyArray<{ action: string; outcomes: readonly string[] }>> = {
  signIns: [
    { action: 'login', outcomes: ['success'] },
    { action: 'login.passkey', outcomes: ['success'] },
  ],
  signInFailures: [
    { action: 'login', outcomes: ['failure', 'denied'] },
    { action: 'login.passkey', outcomes: ['failure', 'denied'] },
    { action: 'login.second_factor', outcomes: ['failure', 'denied'] },
  ],
  denies: [{ action: 'authz.decision', outcomes: ['denied'] }],
  decrypts: [{ action: 'privacy.decrypt', outcomes: ['success'] }],
};

export interface Series {
  key: SeriesKey;
  /** Department (NO_DEPARTMENT for none) → one count per day of `ActivityCounts.days`. */
  byDepartment: Map<string, number[]>;
}

export interface ActivityCounts {
  days: string[];
  series: Series[];
  /** Some action had more events than the overview reads: its counts are a lower bound. */
  partial: boolean;
}

/** The events the overview works from, read once and shared by the charts and the alerts. */
export interface ActivityEvents {
  byAction: Map<string, AuditEvent[]>;
  partial: boolean;
}

/** Reads every counted action over [from, now]; decrypts from further back when the alerts need a baseline. */
export async function readActivity(
  audit: AuditService,
  now: number,
  options: { decryptsFrom?: number } = {},
): Promise<ActivityEvents> {
  const from = startOfDay(now) - (ACTIVITY_DAYS - 1) * DAY_MS;
  const actions = new Set(Object.values(COUNTED).flatMap((list) => list.map((c) => c.action)));
  const byAction = new Map<string, AuditEvent[]>();
  let partial = false;
  for (const action of actions) {
    const start = action === 'privacy.decrypt' ? Math.min(from, options.decryptsFrom ?? from) : from;
    // Allows are sampled and many: only denies are read. Everything else is read whole.
    const scanned: Scanned = await scanAction(
      audit,
      action,
      start,
      now + 1,
      action === 'authz.decision' ? { outcome: 'denied' } : {},
    );
    byAction.set(action, scanned.events);
    partial ||= scanned.partial;
  }
  return { byAction, partial };
}

/** Per department per day, for each chart; only `departments` when given (a department admin's). */
export function countActivity(
  events: ActivityEvents,
  departments: EventDepartments,
  now: number,
  only?: ReadonlySet<string>,
): ActivityCounts {
  const days = lastDays(now, ACTIVITY_DAYS);
  const dayIndex = new Map(days.map((d, i) => [d, i]));
  const series = SERIES.map((key): Series => {
    const byDepartment = new Map<string, number[]>();
    for (const { action, outcomes } of COUNTED[key]) {
      for (const event of events.byAction.get(action) ?? []) {
        if (!outcomes.includes(event.outcome)) continue;
        const i = dayIndex.get(dayOf(recordedAt(event)));
        if (i === undefined) continue;
        const department = departments.of(event);
        if (only && !only.has(department)) continue;
        let row = byDepartment.get(department);
        if (!row) byDepartment.set(department, (row = days.map(() => 0)));
        row[i]!++;
      }
    }
    return { key, byDepartment };
  });
  return { days, series, partial: events.partial };
}
