import { invalid } from './api-input.ts';

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;

/** One caller's use of an allowance in the current fixed window. */
export interface Window {
  start: number;
  used: number;
  /** A refusal in this window was already audited: later ones are only answered. */
  reported: boolean;
}

/** Past this many callers in memory, finished windows are swept at once. */
const SWEEP_AT = 100_000;

/**
 * The caller's window of `length` containing `now`, fresh when the last one
 * ended. The privacy limits count per process in fixed windows; with several
 * instances behind a balancer each counts its own share.
 */
export function currentWindow(map: Map<string, Window>, key: string, now: number, length: number): Window {
  const start = now - (now % length);
  let w = map.get(key);
  if (!w || w.start !== start) {
    // Forget finished windows when one is seen again or the map grows, so it holds about one window's callers.
    if (w || map.size >= SWEEP_AT) for (const [k, old] of map) if (old.start !== start) map.delete(k);
    w = { start, used: 0, reported: false };
    map.set(key, w);
  }
  return w;
}

/** Whole seconds until the window of `length` holding `now` ends, at least 1: a refusal's `Retry-After`. */
function secondsLeft(window: Window, length: number, now: number): number {
  return Math.max(1, Math.ceil((window.start + length - now) / 1000));
}

/**
 * A refusal of one limit: what to tell the caller and when to try again.
 * `first` when it is the caller's first refusal in the window, the one to
 * audit; the rest are only answered, so a caller hammering a limit cannot
 * flood the audit log.
 */
export interface LimitRefusal {
  message: string;
  retryAfterSeconds: number;
  first: boolean;
}

/** The refusal of `window` (already over its allowance); marks it reported. */
export function refusal(window: Window, length: number, now: number, message: string): LimitRefusal {
  const first = !window.reported;
  window.reported = true;
  return { message, retryAfterSeconds: secondsLeft(window, length, now), first };
}

export function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw invalid(`${name} is a whole number of at least 1`);
  return value;
}
