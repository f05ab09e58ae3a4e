/**
 * Sessions ended by back-channel logout while they live in browsers' cookies,
 * which the app cannot delete: the `sid`s logged out, and per `sub` the time
 * before which every session is logged out (for logout tokens without `sid`).
 * Entries are kept as long as a session can live, and the set is bounded
 * (oldest dropped first). It lives in this process only: an app on several
 * instances needs a shared SessionStore for logout to reach all of them.
 */
export class Revocations {
  readonly #sids = new Map<string, number>();
  readonly #subs = new Map<string, { before: number; until: number }>();
  readonly #keepMs: number;
  readonly #max: number;

  constructor(options: { keepMs: number; max?: number }) {
    this.#keepMs = options.keepMs;
    this.#max = options.max ?? 100_000;
  }

  /** Ends every session with this `sid`. */
  revokeSid(sid: string, now = Date.now()): void {
    this.#sids.delete(sid);
    this.#sids.set(sid, now + this.#keepMs);
    trim(this.#sids, this.#max, now, (until) => until);
  }

  /** Ends every session of `sub` created before `beforeMs`. */
  revokeSub(sub: string, beforeMs: number, now = Date.now()): void {
    const previous = this.#subs.get(sub);
    this.#subs.delete(sub);
    this.#subs.set(sub, { before: Math.max(beforeMs, previous?.before ?? 0), until: now + this.#keepMs });
    trim(this.#subs, this.#max, now, (entry) => entry.until);
  }

  /** True when a session (its `sid`, `sub`, and when it was created) has been logged out. */
  isRevoked(session: { sid?: string; sub: string; createdAt: number }, now = Date.now()): boolean {
    if (session.sid !== undefined) {
      const until = this.#sids.get(session.sid);
      if (until !== undefined && until > now) return true;
    }
    const entry = this.#subs.get(session.sub);
    return entry !== undefined && entry.until > now && session.createdAt < entry.before;
  }
}

/** Drops expired entries from the front (insertion order ≈ expiry order), then the oldest beyond `max`. */
function trim<V>(map: Map<string, V>, max: number, now: number, until: (value: V) => number): void {
  for (const [key, value] of map) {
    if (until(value) > now && map.size <= max) break;
    map.delete(key);
  }
}
