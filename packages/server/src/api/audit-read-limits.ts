import { MinuteCounts, type MinuteRefusal } from '../http/minute-counts.ts';

export interface AuditReadLimitOptions {
  /** Search pages and single-entry reads one app may make per minute. */
  searchesPerMinute: number;
  /** Exports one app may start per minute. */
  exportsPerMinute: number;
  /** Exports one app may have streaming at once. */
  concurrentExports: number;
}

export type AuditReadLimit = 'searches_per_minute' | 'exports_per_minute' | 'concurrent_exports';

export type AuditReadRefusal = MinuteRefusal<AuditReadLimit>;

/** An export admitted: call `release` once when its download ends, however it ends. */
export interface ExportSlot {
  release(): void;
}

/** A concurrency refusal clears when an export ends, which cannot be foretold: a short wait to suggest. */
const CONCURRENT_RETRY_SECONDS = 5;

/**
 * Per-app limits on reading the audit log through the API (ASVS 2.4.1): the
 * log holds every decrypt and sign-in of every citizen, so a stolen
 * `audit:read` token paging or exporting it as fast as the database answers
 * is stopped and shows in the log. Counted per process in fixed minutes;
 * with several instances behind a balancer each counts its own share.
 */
export class AuditReadLimits {
  readonly options: Readonly<AuditReadLimitOptions>;
  readonly #counts: MinuteCounts<AuditReadLimit>;
  readonly #running = new Map<string, number>();

  constructor(options: AuditReadLimitOptions, clock: () => number = Date.now) {
    this.options = Object.freeze({ ...options });
    this.#counts = new MinuteCounts(clock);
  }

  /** Counts one search page (or entry read), or refuses it. */
  takeSearch(clientId: string): AuditReadRefusal | undefined {
    return this.#counts.take(clientId, 'searches_per_minute', this.options.searchesPerMinute);
  }

  /** Counts one export and holds one of the app's concurrent slots, or refuses it. */
  startExport(clientId: string): ExportSlot | AuditReadRefusal {
    const running = this.#running.get(clientId) ?? 0;
    if (running >= this.options.concurrentExports) {
      return this.#counts.refuse(clientId, 'concurrent_exports', CONCURRENT_RETRY_SECONDS);
    }
    const refused = this.#counts.take(clientId, 'exports_per_minute', this.options.exportsPerMinute);
    if (refused) return refused;
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
}
