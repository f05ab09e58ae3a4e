export interface AuditReadLimitOptions {
  /** Search pages and single-entry reads one app may make per minute. */
  searchesPerMinute: number;
  /** Exports one app may start per minute. */
  exportsPerMinute: number;
  /** Exports one app may have streaming at once. */
  concurrentExports: number;
}

export type AuditReadLimit = 'searches_per_minute' | 'exports_per_minute' | 'concurrent_exports';

export interface AuditReadRefusal {
  limit: AuditReadLimit;
  /** Whole seconds, at least 1. */
  retryAfterSeconds: number;
  /** The first refusal of this limit for this app in this minute: the one to audit. */
  first: boolean;
}

/** An export admitted: call `release` once when its download ends, however it ends. */
export interface ExportSlot {
  release(): void;
}

interface Minute {
  start: number;
  searches: number;
  exports: number;
  reported: Set<AuditReadLimit>;
}

const MINUTE_MS = 60_000;
/** A concurrency refusal clears when an export ends, which cannot be foretold: a short wait to suggest. */
const CONCURRENT_RETRY_SECONDS = 5;
/** Past this many apps in memory, ended minutes are swept. */
const SWEEP_AT = 10_000;

/**
 * Per-app limits on reading the audit log through the API (ASVS 2.4.1): the
 * log holds every decrypt and sign-in of every citizen, so a stolen
 * `audit:read` token paging or exporting it as fast as the database answers
 * is stopped and shows in the log. Counted per process in fixed minutes;
 * with several instances behind a balancer each counts its own share.
 */
export class AuditReadLimits {
  readonly options: Readonly<AuditReadLimitOptions>;
  readonly #minutes = new Map<string, Minute>();
  readonly #running = new Map<string, number>();
  readonly #clock: () => number;

  constructor(options: AuditReadLimitOptions, clock: () => number = Date.now) {
    this.options = Object.freeze({ ...options });
    this.#clock = clock;
  }

  /** Counts one search page (or entry read), or refuses it. */
  takeSearch(clientId: string): AuditReadRefusal | undefined {
    const now = this.#clock();
    const minute = this.#minute(clientId, now);
    if (minute.searches >= this.options.searchesPerMinute) {
      return refusal(minute, 'searches_per_minute', untilNextMinute(minute, now));
    }
    minute.searches += 1;
    return undefined;
  }

  /** Counts one export and holds one of the app's concurrent slots, or refuses it. */
  startExport(clientId: string): ExportSlot | AuditReadRefusal {
    const now = this.#clock();
    const minute = this.#minute(clientId, now);
    if (minute.exports >= this.options.exportsPerMinute) {
      return refusal(minute, 'exports_per_minute', untilNextMinute(minute, now));
    }
    const running = this.#running.get(clientId) ?? 0;
    if (running >= this.options.concurrentExports) {
      return refusal(minute, 'concurrent_exports', CONCURRENT_RETRY_SECONDS);
    }
    minute.exports += 1;
    this.#running.set(clientId, running + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (this.#running.get(clientId) ?? 1) - 1;
        if (left > 0) this.#running.set(clientId, left);
        else this.#running.delete(clientId);
      },
    };
  }

  #minute(clientId: string, now: number): Minute {
    const start = now - (now % MINUTE_MS);
    let minute = this.#minutes.get(clientId);
    if (!minute || minute.start !== start) {
      if (this.#minutes.size >= SWEEP_AT) {
        for (const [key, old] of this.#minutes) if (old.start !== start) this.#minutes.delete(key);
      }
      minute = { start, searches: 0, exports: 0, reported: new Set() };
      this.#minutes.set(clientId, minute);
    }
    return minute;
  }
}

function refusal(minute: Minute, limit: AuditReadLimit, retryAfterSeconds: number): AuditReadRefusal {
  const first = !minute.reported.has(limit);
  minute.reported.add(limit);
  return { limit, retryAfterSeconds, first };
}

function untilNextMinute(minute: Minute, now: number): number {
  return Math.max(1, Math.ceil((minute.start + MINUTE_MS - now) / 1000));
}
