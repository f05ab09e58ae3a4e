/** How many days the overview shows, today included. */
export const ACTIVITY_DAYS = 14;
export const DAY_MS = 86_400_000;

/** Days are UTC days: every instance and every officer counts the same day the same way. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The first millisecond of the UTC day holding `ms`. */
export function startOfDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** The `count` days ending with today, oldest first, as `YYYY-MM-DD`. */
export function lastDays(now: number, count: number): string[] {
  const today = startOfDay(now);
  return Array.from({ length: count }, (_, i) => dayOf(today - (count - 1 - i) * DAY_MS));
}
