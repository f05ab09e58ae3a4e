/**
 * The `jti`s of logout tokens already accepted, each kept until its token is
 * too old to pass the `iat` check anyway. Bounded: when full, the oldest goes
 * first; replaying a logout token only ends sessions that already ended, so
 * forgetting one under a flood is the safe way to fail.
 */
export class ReplayCache {
  readonly #seen = new Map<string, number>();
  readonly #max: number;

  constructor(max = 10_000) {
    this.#max = max;
  }

  /** Records `jti` until `untilMs`; false when it was already recorded (a replay). */
  remember(jti: string, untilMs: number, now = Date.now()): boolean {
    for (const [key, until] of this.#seen) {
      if (until > now && this.#seen.size < this.#max) break;
      this.#seen.delete(key);
    }
    const seen = this.#seen.get(jti);
    if (seen !== undefined && seen > now) return false;
    this.#seen.set(jti, untilMs);
    return true;
  }
}
