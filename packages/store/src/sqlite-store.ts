import { AsyncLocalStorage } from 'node:async_hooks';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { AsyncLock } from './async-lock.ts';
import { ChangeHub } from './change-hub.ts';
import { StoreError, isStoreError } from './errors.ts';
import { applyMigrations, checkMigrationSet, type ScriptTransaction } from './migrate.ts';
import { toSqlitePlaceholders } from './placeholders.ts';
import { checkTopic, exactlyOne, firstOrUndefined, normalizeParams, refuseStoreHandle } from './queryable.ts';
import { fromSqliteError } from './sqlite-errors.ts';
import type {
  ChangeListener,
  MigrationResult,
  MigrationSet,
  Row,
  SqlValue,
  Store,
  Transaction,
} from './types.ts';

export interface SqliteStoreOptions {
  /** Path of the database file; its folder is created (0700) if missing. */
  file: string;
  /** How often to look for other processes' changes. */
  pollIntervalMs?: number;
  /** How long a write waits for another process's lock before `ERR_STORE_BUSY`. */
  busyTimeoutMs?: number;
  /** How long change-feed rows are kept for slow pollers. */
  changeRetentionMs?: number;
  onError?: (err: unknown) => void;
}

const CHANGES_TABLE = `CREATE TABLE IF NOT EXISTS onegate_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  key TEXT,
  at INTEGER NOT NULL
)`;

const STATEMENT_CACHE_SIZE = 256;
const PRUNE_EVERY = 256;

/**
 * The embedded store. One `DatabaseSync` connection, serialized by a FIFO lock;
 * WAL with `synchronous=FULL` so a commit is on disk before it resolves. Other
 * processes (the CLI beside the server) are seen through the `onegate_changes`
 * table, polled only when `PRAGMA data_version` says another connection wrote.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  /** The database file, for work that opens its own connection to it (the audit log's writer thread). */
  readonly file: string;
  readonly #db: DatabaseSync;
  readonly #lock = new AsyncLock();
  readonly #insideTx = new AsyncLocalStorage<true>();
  readonly #statements = new Map<string, StatementSync>();
  readonly #hub: ChangeHub;
  readonly #pollIntervalMs: number;
  readonly #retentionMs: number;
  readonly #busyTimeoutMs: number;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #lastSeq = 0;
  #dataVersion = -1;
  #notifyCount = 0;

  constructor(options: SqliteStoreOptions) {
    this.#busyTimeoutMs = Math.trunc(options.busyTimeoutMs ?? 5000);
    this.file = options.file;
    mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
    try {
      this.#db = new DatabaseSync(options.file);
      chmodSync(options.file, 0o600);
      this.#db.exec(`PRAGMA busy_timeout = ${this.#busyTimeoutMs}`);
      this.#db.exec('PRAGMA journal_mode = WAL');
      this.#db.exec('PRAGMA synchronous = FULL');
      this.#db.exec('PRAGMA foreign_keys = ON');
      // Deleted rows are overwritten, not left in free pages: a shredded key or a replaced
      // plaintext must not stay readable in the file (crypto-shredding, ASVS 14.2.4).
      this.#db.exec('PRAGMA secure_delete = ON');
      // Statement journals and sorts stay in memory: a multi-row INSERT's journal otherwise
      // spills page copies to a temporary file (3/4 of the audit writer's bytes, and plaintext in /tmp).
      this.#db.exec('PRAGMA temp_store = MEMORY');
      this.#db.exec(CHANGES_TABLE);
      // From here on, waits for another connection's lock happen in #retryBusy, off the event loop.
      this.#db.exec('PRAGMA busy_timeout = 0');
    } catch (err) {
      throw new StoreError('ERR_STORE_UNAVAILABLE', 'cannot open the SQLite database file', {
        cause: err,
      });
    }
    this.#pollIntervalMs = options.pollIntervalMs ?? 200;
    this.#retentionMs = options.changeRetentionMs ?? 10 * 60_000;
    this.#hub = new ChangeHub(options.onError);
  }

  query<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.#outside(() => this.#retryBusy(() => this.#all<T>(sql, params)));
  }

  one<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<T> {
    return exactlyOne<T>((s, p) => this.query(s, p), sql, params);
  }

  maybeOne<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return firstOrUndefined<T>((s, p) => this.query(s, p), sql, params);
  }

  exec(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.#outside(() => this.#retryBusy(() => this.#run(sql, params)));
  }

  async notify(topic: string, key?: string): Promise<void> {
    checkTopic(topic, key);
    await this.#outside(() => this.#retryBusy(() => this.#insertChange(topic, key)));
    this.#pollSoon();
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#transaction(fn);
  }

  async #transaction<T>(fn: (tx: ScriptTransaction) => Promise<T>): Promise<T> {
    let notified = false;
    const result = await this.#outside(async () => {
      await this.#retryBusy(() => this.#begin());
      let open = true;
      const guard = <R>(f: () => R): R => {
        if (!open) throw new StoreError('ERR_STORE_CLOSED', 'the transaction has ended');
        return f();
      };
      const tx: ScriptTransaction = {
        dialect: 'sqlite',
        query: async <R extends object>(sql: string, params?: readonly SqlValue[]) =>
          guard(() => this.#all<R>(sql, params)),
        one: (sql, params) => exactlyOne((s, p) => tx.query(s, p), sql, params),
        maybeOne: (sql, params) => firstOrUndefined((s, p) => tx.query(s, p), sql, params),
        exec: async (sql, params) => guard(() => this.#run(sql, params)),
        notify: async (topic, key) => {
          checkTopic(topic, key);
          guard(() => this.#insertChange(topic, key));
          notified = true;
        },
        script: async (sql) => guard(() => this.#script(sql)),
      };
      try {
        const value = await this.#insideTx.run(true, () => fn(tx));
        open = false;
        this.#finish('COMMIT');
        return value;
      } catch (err) {
        open = false;
        if (this.#db.isTransaction) this.#finish('ROLLBACK');
        throw err;
      }
    });
    if (notified) this.#pollSoon();
    return result;
  }

  async migrate(set: MigrationSet): Promise<MigrationResult> {
    checkMigrationSet(set);
    // An index build sorts every row of its table: on disk, not in memory (60 MB a million audit entries).
    this.#db.exec('PRAGMA temp_store = FILE');
    try {
      // BEGIN IMMEDIATE takes SQLite's write lock, so another process waits its turn.
      return await this.#transaction((tx) => applyMigrations(tx, 'sqlite', set));
    } finally {
      if (!this.#closed) this.#db.exec('PRAGMA temp_store = MEMORY');
    }
  }

  async subscribe(topic: string, listener: ChangeListener): Promise<() => void> {
    if (topic !== '*') checkTopic(topic);
    this.#assertOpen();
    if (!this.#timer) {
      await this.#lock.run(() => {
        const row = this.#db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM onegate_changes').get();
        this.#lastSeq = Number(row?.['seq'] ?? 0);
        this.#dataVersion = this.#readDataVersion();
      });
      this.#timer = setInterval(() => void this.#poll(false), this.#pollIntervalMs);
      this.#timer.unref();
    }
    return this.#hub.add(topic, listener);
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1 AS ok');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#lock.run(() => {
      this.#statements.clear();
      this.#db.close();
    });
  }

  #outside<T>(fn: () => T | Promise<T>): Promise<T> {
    const refused = refuseStoreHandle(this.#insideTx, this.#closed);
    return refused ? Promise.reject(refused) : this.#lock.run(fn);
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError('ERR_STORE_CLOSED', 'the store is closed');
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(toSqlitePlaceholders(sql));
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        this.#statements.delete(this.#statements.keys().next().value!);
      }
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #all<T extends object>(sql: string, params?: readonly SqlValue[]): T[] {
    try {
      const rows = this.#prepare(sql).all(...normalizeParams(params));
      return rows.map(toRow) as T[];
    } catch (err) {
      throw fromSqliteError(err);
    }
  }

  #run(sql: string, params?: readonly SqlValue[]): number {
    try {
      return Number(this.#prepare(sql).run(...normalizeParams(params)).changes);
    } catch (err) {
      throw fromSqliteError(err);
    }
  }

  #script(sql: string): void {
    try {
      this.#db.exec(sql);
    } catch (err) {
      throw fromSqliteError(err);
    }
  }

  /**
   * Another connection holds the write lock. SQLite's own busy handler would
   * sleep inside the synchronous call and freeze the event loop (and with it a
   * second connection in this process that holds the lock), so wait here instead.
   */
  async #retryBusy<T>(fn: () => T): Promise<T> {
    const deadline = Date.now() + this.#busyTimeoutMs;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      try {
        return fn();
      } catch (err) {
        if (!isStoreError(err, 'ERR_STORE_BUSY') || Date.now() >= deadline) throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  #begin(): void {
    try {
      this.#db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      throw fromSqliteError(err);
    }
  }

  #finish(command: 'COMMIT' | 'ROLLBACK'): void {
    try {
      this.#db.exec(command);
    } catch (err) {
      if (command === 'COMMIT' && this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw fromSqliteError(err);
    }
  }

  #insertChange(topic: string, key: string | undefined): void {
    const now = Date.now();
    this.#run('INSERT INTO onegate_changes (topic, key, at) VALUES ($1, $2, $3)', [topic, key ?? null, now]);
    if (++this.#notifyCount % PRUNE_EVERY === 0) {
      this.#run('DELETE FROM onegate_changes WHERE at < $1', [now - this.#retentionMs]);
    }
  }

  #readDataVersion(): number {
    const row = this.#db.prepare('PRAGMA data_version').get();
    return Number(row?.['data_version'] ?? 0);
  }

  #pollSoon(): void {
    if (this.#timer) void this.#poll(true);
  }

  /** Reads new change rows; `force` after our own commits, which data_version does not count. */
  async #poll(force: boolean): Promise<void> {
    if (this.#closed) return;
    const changes = await this.#lock
      .run(() => {
        if (this.#closed) return [];
        const version = this.#readDataVersion();
        if (!force && version === this.#dataVersion) return [];
        this.#dataVersion = version;
        return this.#all<{ seq: number; topic: string; key: string | null }>(
          'SELECT seq, topic, key FROM onegate_changes WHERE seq > $1 ORDER BY seq LIMIT 1000',
          [this.#lastSeq],
        );
      })
      .catch((err: unknown) => {
        this.#hub.reportError(err);
        return [];
      });
    if (changes.length === 0) return;
    const gap = changes[0]!.seq !== this.#lastSeq + 1;
    this.#lastSeq = changes[changes.length - 1]!.seq;
    if (gap) this.#hub.resync();
    for (const change of changes) {
      this.#hub.emit(
        change.key === null ? { topic: change.topic } : { topic: change.topic, key: change.key },
      );
    }
    if (changes.length === 1000) void this.#poll(true);
  }
}

/** node:sqlite returns null-prototype objects and Uint8Array; callers get plain rows and Buffers like pg's. */
function toRow(raw: Record<string, unknown>): Row {
  const row: Row = {};
  for (const [key, value] of Object.entries(raw)) {
    row[key] =
      value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
  }
  return row;
}
