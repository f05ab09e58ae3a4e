import type { AuditEvent } from '@onegate/audit';
import type { AuthzService } from '@onegate/authz';
import { ACTIVITY_DAYS, DAY_MS, dayOf, lastDays } from './activity-window.ts';
import type { ActivityEvents } from './activity-counts.ts';
import { recordedAt } from './activity-scan.ts';
import { NO_DEPARTMENT, type EventDepartments } from './event-department.ts';

/**
 * What the overview flags, and from how much. Each is a named constant so an
 * officer can read in docs/officer-guide.md exactly when an alert fires.
 */
/** Failed sign-ins for one account, or from one address, within FAILED_SIGN_IN_WINDOW_MS. */
export const FAILED_SIGN_IN_BURST = 10;
export const FAILED_SIGN_IN_WINDOW_MS = 15 * 60_000;
/** A day's decrypts by one person above this many times the median of their previous days… */
export const DECRYPT_SPIKE_FACTOR = 5;
/** …and at least this many (a usual 0 or 1 a day must not flag 6 decrypts). */
export const DECRYPT_SPIKE_MINIMUM = 50;
/** The days before that day the median is taken over (days with no decrypts count as 0). */
export const DECRYPT_BASELINE_DAYS = 14;
/** The newest denies checked against delegations' purposes, per request. */
export const MAX_DENIES_EXPLAINED = 2_000;

const FAILED_SIGN_IN_ACTIONS = ['login', 'login.passkey', 'login.second_factor'];

export type Alert =
  | {
      kind: 'sign_in_burst_account' | 'sign_in_burst_address';
      /** The account id, or the address. */
      key: string;
      count: number;
      from: number;
      to: number;
      department: string;
    }
  | { kind: 'decrypt_spike'; key: string; day: string; count: number; median: number; department: string }
  | {
      kind: 'purpose_outside_delegation';
      key: string;
      delegationId: string;
      resource: string;
      action: string;
      purpose: string | null;
      count: number;
      last: number;
      department: string;
    };

/** Every alert over the overview's days, newest first; only those of `only` departments when given. */
export function findAlerts(
  events: ActivityEvents,
  departments: EventDepartments,
  authz: AuthzService,
  now: number,
  only?: ReadonlySet<string>,
): Alert[] {
  const alerts = [
    ...signInBursts(events, departments),
    ...decryptSpikes(events, departments, now),
    ...purposeMisses(events, departments, authz),
  ];
  return alerts.filter((a) => !only || only.has(a.department)).sort((a, b) => alertTime(b) - alertTime(a));
}

function alertTime(alert: Alert): number {
  if (alert.kind === 'decrypt_spike') return Date.parse(alert.day);
  if (alert.kind === 'purpose_outside_delegation') return alert.last;
  return alert.to;
}

function signInBursts(events: ActivityEvents, departments: EventDepartments): Alert[] {
  const byAccount = new Map<string, number[]>();
  const byAddress = new Map<string, number[]>();
  const push = (map: Map<string, number[]>, key: string, at: number) => {
    const list = map.get(key);
    if (list) list.push(at);
    else map.set(key, [at]);
  };
  for (const action of FAILED_SIGN_IN_ACTIONS) {
    for (const event of events.byAction.get(action) ?? []) {
      if (event.outcome === 'success') continue;
      const at = recordedAt(event);
      const account = event.target?.subject;
      if (account !== undefined) push(byAccount, account, at);
      const address = event.source?.address;
      if (address !== undefined) push(byAddress, address, at);
    }
  }
  const alerts: Alert[] = [];
  for (const [key, times] of byAccount) {
    for (const burst of bursts(times)) {
      alerts.push({ kind: 'sign_in_burst_account', key, ...burst, department: departments.ofAccount(key) });
    }
  }
  for (const [key, times] of byAddress) {
    for (const burst of bursts(times)) {
      alerts.push({ kind: 'sign_in_burst_address', key, ...burst, department: NO_DEPARTMENT });
    }
  }
  return alerts;
}

/**
 * Runs of failures where each one lies in some window of
 * FAILED_SIGN_IN_WINDOW_MS holding at least FAILED_SIGN_IN_BURST of them; a
 * run goes on while the next such failure comes within the window.
 */
export function bursts(times: number[]): Array<{ count: number; from: number; to: number }> {
  const sorted = [...times].sort((a, b) => a - b);
  const marked = new Array<boolean>(sorted.length).fill(false);
  let lo = 0;
  let markedTo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= FAILED_SIGN_IN_WINDOW_MS) lo++;
    if (hi - lo + 1 >= FAILED_SIGN_IN_BURST) {
      for (let i = Math.max(lo, markedTo); i <= hi; i++) marked[i] = true;
      markedTo = hi + 1;
    }
  }
  const found: Array<{ count: number; from: number; to: number }> = [];
  for (let i = 0; i < sorted.length; i++) {
    if (!marked[i]) continue;
    const last = found.at(-1);
    if (last && sorted[i]! - last.to < FAILED_SIGN_IN_WINDOW_MS) {
      last.count++;
      last.to = sorted[i]!;
    } else {
      found.push({ count: 1, from: sorted[i]!, to: sorted[i]! });
    }
  }
  return found;
}

function decryptSpikes(events: ActivityEvents, departments: EventDepartments, now: number): Alert[] {
  const shown = lastDays(now, ACTIVITY_DAYS);
  const perActor = new Map<string, { days: Map<string, number>; department: Map<string, number> }>();
  for (const event of events.byAction.get('privacy.decrypt') ?? []) {
    if (event.outcome !== 'success') continue;
    let entry = perActor.get(event.actor.id);
    if (!entry) perActor.set(event.actor.id, (entry = { days: new Map(), department: new Map() }));
    const day = dayOf(recordedAt(event));
    entry.days.set(day, (entry.days.get(day) ?? 0) + 1);
    const department = departments.of(event);
    entry.department.set(department, (entry.department.get(department) ?? 0) + 1);
  }
  const alerts: Alert[] = [];
  for (const [key, { days, department }] of perActor) {
    for (const day of shown) {
      const count = days.get(day) ?? 0;
      if (count < DECRYPT_SPIKE_MINIMUM) continue;
      const start = Date.parse(day);
      const before = Array.from(
        { length: DECRYPT_BASELINE_DAYS },
        (_, i) => days.get(dayOf(start - (i + 1) * DAY_MS)) ?? 0,
      );
      const usual = median(before);
      if (count > DECRYPT_SPIKE_FACTOR * usual) {
        alerts.push({
          kind: 'decrypt_spike',
          key,
          day,
          count,
          median: usual,
          department: mostOf(department),
        });
      }
    }
  }
  return alerts;
}

/**
 * Denies where a delegation would have let the person in for another
 * purpose. Authz records a deny's reason only as `no_matching_rule` or
 * `denied_by_rule`, so each deny is explained again against the policy in
 * force now: a delegation line blocked on `purpose` is the tell.
 */
function purposeMisses(events: ActivityEvents, departments: EventDepartments, authz: AuthzService): Alert[] {
  const grouped = new Map<string, Extract<Alert, { kind: 'purpose_outside_delegation' }>>();
  const denies = (events.byAction.get('authz.decision') ?? []).slice(0, MAX_DENIES_EXPLAINED);
  for (const event of denies) {
    const request = decisionRequest(event);
    if (!request) continue;
    let delegationId: string | undefined;
    try {
      delegationId = authz
        .explain(request)
        .blocked.find((line) => line.delegationId !== undefined && line.because === 'purpose')?.delegationId;
    } catch {
      continue; // a department or subject the policy no longer knows
    }
    if (delegationId === undefined) continue;
    const id = `${request.subject}\n${delegationId}\n${request.resource}\n${request.action}\n${request.purpose ?? ''}`;
    const found = grouped.get(id);
    const at = recordedAt(event);
    if (found) {
      found.count++;
      found.last = Math.max(found.last, at);
      continue;
    }
    grouped.set(id, {
      kind: 'purpose_outside_delegation',
      key: request.subject,
      delegationId,
      resource: request.resource,
      action: request.action,
      purpose: request.purpose ?? null,
      count: 1,
      last: at,
      department: departments.of(event),
    });
  }
  return [...grouped.values()];
}

function decisionRequest(
  event: AuditEvent,
): { subject: string; action: string; resource: string; purpose?: string; acr?: string } | undefined {
  const d = event.details ?? {};
  const text = (key: string) => (typeof d[key] === 'string' ? d[key] : undefined);
  const subject = text('subject');
  const action = text('action');
  const resource = text('resource');
  if (subject === undefined || action === undefined || resource === undefined) return undefined;
  const purpose = text('purpose');
  const acr = text('acr');
  return {
    subject,
    action,
    resource,
    ...(purpose === undefined ? {} : { purpose }),
    ...(acr === undefined ? {} : { acr }),
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return 0;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function mostOf(counts: Map<string, number>): string {
  let best = NO_DEPARTMENT;
  let most = 0;
  for (const [key, n] of counts) {
    if (n > most) [best, most] = [key, n];
  }
  return best;
}
