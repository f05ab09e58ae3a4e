import type { Store, Transaction } from '@onegate/store';

/**
 * Delegates to `store`, except that inside a transaction a statement matching
 * `armed` throws, as a full disk or a dropped connection would in the middle
 * of a group commit. It counts transactions, to see groups form.
 */
export class FailingStore implements Store {
  readonly dialect: Store['dialect'];
  readonly #store: Store;
  armed: RegExp | undefined;
  transactions = 0;

  constructor(store: Store) {
    this.#store = store;
    this.dialect = store.dialect;
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.transactions++;
    return this.#store.transaction((tx) => {
      const fail = (sql: string) => {
        if (this.armed?.test(sql)) throw new Error('injected failure');
      };
      const wrapped: Transaction = {
        dialect: tx.dialect,
        query: (sql, params) => (fail(sql), tx.query(sql, params)),
        one: (sql, params) => (fail(sql), tx.one(sql, params)),
        maybeOne: (sql, params) => (fail(sql), tx.maybeOne(sql, params)),
        exec: (sql, params) => (fail(sql), tx.exec(sql, params)),
        notify: (topic, key) => tx.notify(topic, key),
      };
      return fn(wrapped);
    });
  }

  query: Store['query'] = (sql, params) => this.#store.query(sql, params);
  one: Store['one'] = (sql, params) => this.#store.one(sql, params);
  maybeOne: Store['maybeOne'] = (sql, params) => this.#store.maybeOne(sql, params);
  exec: Store['exec'] = (sql, params) => this.#store.exec(sql, params);
  notify: Store['notify'] = (topic, key) => this.#store.notify(topic, key);
  migrate: Store['migrate'] = (set) => this.#store.migrate(set);
  subscribe: Store['subscribe'] = (topic, listener) => this.#store.subscribe(topic, listener);
  ping: Store['ping'] = () => this.#store.ping();
  close: Store['close'] = () => this.#store.close();
}
