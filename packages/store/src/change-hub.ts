import type { Change, ChangeListener } from './types.ts';

/** Fans changes out to in-process listeners by topic (`*` hears every topic). */
export class ChangeHub {
  readonly #listeners = new Map<string, Set<ChangeListener>>();
  readonly #onError: ((err: unknown) => void) | undefined;

  constructor(onError?: (err: unknown) => void) {
    this.#onError = onError;
  }

  add(topic: string, listener: ChangeListener): () => void {
    let set = this.#listeners.get(topic);
    if (!set) this.#listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(topic);
    };
  }

  emit(change: Change): void {
    this.#call(this.#listeners.get(change.topic), change);
    this.#call(this.#listeners.get('*'), change);
  }

  /** Changes may have been missed (connection lost, feed pruned): every listener must reload. */
  resync(): void {
    for (const [topic, set] of this.#listeners) this.#call(set, { topic, resync: true });
  }

  reportError(err: unknown): void {
    this.#onError?.(err);
  }

  #call(set: Set<ChangeListener> | undefined, change: Change): void {
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(change);
      } catch (err) {
        this.reportError(err);
      }
    }
  }
}
