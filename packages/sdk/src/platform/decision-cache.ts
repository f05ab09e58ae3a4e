/**
 * Authorization decisions by check, for `ttlMs`, at most `size` of them (the
 * least recently used go first). Allows and denies alike; errors never.
 * A `Map` keeps insertion order, so re-inserting on a hit makes it an LRU.
 */
export class DecisionCache<T> {
  readonly #ttlMs: number;
  readonly #size: number;
  readonly #entries = new Map<string, { value: T; until: number }>();

  constructor(ttlMs: number, size: number) {
    this.#ttlMs = ttlMs;
    this.#size = size;
  }

  get(key: string): T | undefined {
    if (this.#ttlMs === 0) return undefined;
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (Date.now() >= entry.until) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: T): void {
    if (this.#ttlMs === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, until: Date.now() + this.#ttlMs });
    while (this.#entries.size > this.#size) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
