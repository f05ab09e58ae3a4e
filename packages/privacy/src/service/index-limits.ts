import {
  currentWindow,
  MINUTE_MS,
  positive,
  refusal,
  type LimitRefusal,
  type Window,
} from './fixed-window.ts';

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
  readonly #minutes = new Map<string, Window>();
  readonly #clock: () => number;

  constructor(perClientPerMinute: number | undefined, clock: () => number = Date.now) {
    this.perClientPerMinute = positive(perClientPerMinute ?? 60_000, 'indexesPerClientPerMinute');
    this.#clock = clock;
  }

  /** Takes `count` indexes from the app's minute, or none: a refusal when they would go over. */
  take(clientId: string, count: number): LimitRefusal | undefined {
    const now = this.#clock();
    const minute = currentWindow(this.#minutes, clientId, now, MINUTE_MS);
    if (minute.used + count > this.perClientPerMinute) {
      return refusal(
        minute,
        MINUTE_MS,
        now,
        `this app may compute at most ${this.perClientPerMinute} blind indexes a minute`,
      );
    }
    minute.used += count;
    return undefined;
  }
}
