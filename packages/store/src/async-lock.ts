/**
 * A FIFO mutex for one SQLite connection: `node:sqlite` is synchronous, but a
 * transaction body awaits, so without this a query from elsewhere in the
 * process would land inside someone else's open transaction.
 */
export class AsyncLock {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => T | Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
