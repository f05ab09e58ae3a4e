import { invalid } from './api-input.ts';

const MINUTE_MS = 60_000;
/** Past this many apps in memory, ended minutes are swept. */
const SWEEP_AT = 10_000;

/** A refused batch: `first` when it is this app's first refusal of the minute, the one to audit. */
export interface IndexRefusal {
  first: boolean;
}

/**
 * Blind indexes one app may compute per minute (ASVS 2.4.1), through
 * `/blind-index` and `/encrypt` with `index` together. A blind index turns a
 * guessed value into the token an app's database is searched by, so an app
 * holding a copy of indexed rows could reverse them by trying every value of
 * a field (every phone number of a prefix, every resident ID of a region);
 * this bounds how fast, and the refusal shows in the log. Counted per
 * process in fixed minutes, like the decrypt limits.
 */
export class IndexLimits {
  readonly perClientPerMinute: number;
  readonly #minutes = new Map<string, { start: number; used: number; reported: boolean }>();
  readonly #clock: () => number;

  constructor(perClientPerMinute: number | undefined, clock: () => number = Date.now) {
    const limit = perClientPerMinute ?? 60_000;
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw invalid('indexesPerClientPerMinute is a whole number of at least 1');
    this.perClientPerMinute = limit;
    this.#clock = clock;
  }

  /** Takes `count` indexes from the app's minute, or none: a refusal when they would go over. */
  take(clientId: string, count: number): IndexRefusal | undefined {
    const now = this.#clock();
    const start = now - (now % MINUTE_MS);
    let minute = this.#minutes.get(clientId);
    if (!minute || minute.start !== start) {
      if (this.#minutes.size >= SWEEP_AT) {
        for (const [key, old] of this.#minutes) if (old.start !== start) this.#minutes.delete(key);
      }
      minute = { start, used: 0, reported: false };
      this.#minutes.set(clientId, minute);
    }
    if (minute.used + count > this.perClientPerMinute) {
      const first = !minute.reported;
      minute.reported = true;
      return { first };
    }
    minute.used += count;
    return undefined;
  }
}
