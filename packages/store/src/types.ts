/** Values a query parameter may take. Booleans are stored as integers 0/1 on both engines. */
export type SqlValue = string | number | bigint | boolean | null | Uint8Array;

export type Row = Record<string, unknown>;

export type Dialect = 'sqlite' | 'postgres';

/** What both a store and an open transaction can do. SQL uses `$1, $2 …` placeholders on both engines. */
export interface Queryable {
  readonly dialect: Dialect;
  /** Rows of a SELECT, or of an INSERT/UPDATE/DELETE … RETURNING. */
  query<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Exactly one row, else `ERR_STORE_NOT_FOUND`. */
  one<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<T>;
  /** The first row, or `undefined`. */
  maybeOne<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a statement and returns the number of rows it changed. */
  exec(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /**
   * Tells every process sharing this database that `topic` changed. Inside a
   * transaction the change is published only if the transaction commits.
   */
  notify(topic: string, key?: string): Promise<void>;
}

export type Transaction = Queryable;

/** One entry of the change feed. `resync` means changes may have been missed: reload everything. */
export interface Change {
  topic: string;
  key?: string;
  resync?: boolean;
}

export type ChangeListener = (change: Change) => void;

export interface Migration {
  /** 1, 2, 3 … in order; never reuse or edit a version once shipped. */
  version: number;
  name: string;
  /** One script for both engines, or one per engine. */
  up: string | { sqlite: string; postgres: string };
}

/** The migrations of one package, applied in version order under one lock. */
export interface MigrationSet {
  owner: string;
  migrations: readonly Migration[];
}

export interface MigrationResult {
  owner: string;
  applied: number[];
  current: number;
}

export interface Store extends Queryable {
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Applies pending migrations; idempotent and safe when several processes start at once. */
  migrate(set: MigrationSet): Promise<MigrationResult>;
  /**
   * Listens for changes on `topic` (`*` for all) made by this and every other
   * process; resolves, once listening, to an unsubscribe function.
   */
  subscribe(topic: string, listener: ChangeListener): Promise<() => void>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Waits for running work, then releases connections. */
  close(): Promise<void>;
}
