/** A refusal of one per-minute limit: which, when to try again, and whether it is the one to audit. */
export interface MinuteRefusal<L extends string> {
  limit: L;
  /** Whole seconds, at least 1. */
  retryAfterSeconds: number;
  /** The caller's first refusal of this limit in this minute: the one to audit, so a flood is not. */
  first: boolean;
}

interface Minute<L extends string> {
  start: number;
  counts: Map<L, number>;
  reported: Set<L>;
}

const MINUTE_MS = 60_000;
/** Past this many callers in memory, ended minutes are swept. */
const SWEEP_AT = 10_000;

/**
 * Per-caller counts of named limits in fixed minutes, in memory: the
 * server's API rate limits (ASVS 2.4.1). With several instances behind a
 * balancer each counts its own share.
 */
export class MinuteCounts<L extends string> {
  readonly #minutes = new Map<string, Minute<L>>();
  readonly #clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** Counts `amount` against `limit` for `caller`, or refuses it whole when that would pass `max`. */
  take(caller: string, limit: L, max: number, amount = 1): MinuteRefusal<L> | undefined {
    const now = this.#clock();
    const minute = this.#minute(caller, now);
    const used = minute.counts.get(limit) ?? 0;
    if (used + amount > max) {
      return this.#refusal(minute, limit, Math.max(1, Math.ceil((minute.start + MINUTE_MS - now) / 1000)));
    }
    minute.counts.set(limit, used + amount);
    return undefined;
  }

  /** A refusal decided elsewhere (a concurrency cap), reported once a minute like the counted ones. */
  refuse(caller: string, limit: L, retryAfterSeconds: number): MinuteRefusal<L> {
    return this.#refusal(this.#minute(caller, this.#clock()), limit, retryAfterSeconds);
  }

  #refusal(minute: Minute<L>, limit: L, retryAfterSeconds: number): MinuteRefusal<L> {
    const first = !minute.reported.has(limit);
    minute.reported.add(limit);
    return { limit, retryAfterSeconds, first };
  }

  #minute(caller: string, now: number): Minute<L> {
    const start = now - (now % MINUTE_MS);
    let minute = this.#minutes.get(caller);
    if (!minute || minute.start !== start) {
      if (this.#minutes.size >= SWEEP_AT) {
        for (const [key, old] of this.#minutes) if (old.start !== start) this.#minutes.delete(key);
      }
      minute = { start, counts: new Map(), reported: new Set() };
      this.#minutes.set(caller, minute);
    }
    return minute;
  }
}
