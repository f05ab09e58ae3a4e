import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { ChangeHub } from './change-hub.ts';
import { StoreError } from './errors.ts';
import { applyMigrations, checkMigrationSet, type ScriptTransaction } from './migrate.ts';
import { fromPostgresError } from './postgres-errors.ts';
import { checkTopic, exactlyOne, firstOrUndefined, normalizeParams, refuseStoreHandle } from './queryable.ts';
import type {
  Change,
  ChangeListener,
  MigrationResult,
  MigrationSet,
  Row,
  SqlValue,
  Store,
  Transaction,
} from './types.ts';

export interface PostgresStoreOptions {
  /** `postgres://user@host:5432/db`; `?options=-c search_path=…` selects a schema. */
  url: string;
  maxConnections?: number;
  onError?: (err: unknown) => void;
}

const CHANNEL = 'onegate_changes';
/** Arbitrary constant: every OneGate process takes the same advisory lock to migrate. */
const MIGRATION_LOCK_KEY = 0x0de6a7e;
const INT8_OID = 20;

/** BIGINT arrives as text from pg; counts and sequences are numbers on SQLite, so make them numbers here too. */
function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === INT8_OID && format !== 'binary'
      ? parseInt8
      : (pg.types.getTypeParser(oid, format ?? 'text') as unknown)) as typeof pg.types.getTypeParser,
};

/**
 * The scale-out store: a `pg` pool for queries and transactions, and one
 * dedicated connection that LISTENs for the change feed (NOTIFY is delivered
 * on commit, so rolled-back changes are never announced).
 */
export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #url: string;
  readonly #insideTx = new AsyncLocalStorage<true>();
  readonly #hub: ChangeHub;
  readonly #onError: ((err: unknown) => void) | undefined;
  #listener: pg.Client | undefined;
  #listening: Promise<void> | undefined;
  #reconnectDelayMs = 100;
  #closed = false;

  constructor(options: PostgresStoreOptions) {
    this.#url = options.url;
    this.#onError = options.onError;
    this.#hub = new ChangeHub(options.onError);
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      types,
    });
    // An idle client losing its connection must not crash the process.
    this.#pool.on('error', (err) => this.#onError?.(err));
  }

  query<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.#outside(async () => {
      try {
        const result = await this.#pool.query(sql, normalizeParams(params));
        return result.rows as T[];
      } catch (err) {
        throw fromPostgresError(err);
      }
    });
  }

  one<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<T> {
    return exactlyOne<T>((s, p) => this.query(s, p), sql, params);
  }

  maybeOne<T extends object = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return firstOrUndefined<T>((s, p) => this.query(s, p), sql, params);
  }

  exec(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.#outside(async () => {
      try {
        return (await this.#pool.query(sql, normalizeParams(params))).rowCount ?? 0;
      } catch (err) {
        throw fromPostgresError(err);
      }
    });
  }

  async notify(topic: string, key?: string): Promise<void> {
    checkTopic(topic, key);
    await this.query('SELECT pg_notify($1, $2)', [CHANNEL, payload(topic, key)]);
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#transaction(fn);
  }

  async migrate(set: MigrationSet): Promise<MigrationResult> {
    checkMigrationSet(set);
    return this.#transaction(async (tx) => {
      // Held until commit: a second process starting now waits, then finds nothing to do.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      return applyMigrations(tx, 'postgres', set);
    });
  }

  async subscribe(topic: string, listener: ChangeListener): Promise<() => void> {
    if (topic !== '*') checkTopic(topic);
    this.#assertOpen();
    const unsubscribe = this.#hub.add(topic, listener);
    try {
      await (this.#listening ??= this.#listen());
    } catch (err) {
      unsubscribe();
      this.#listening = undefined;
      throw fromPostgresError(err);
    }
    return unsubscribe;
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1 AS ok');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.#pool.end();
  }

  async #transaction<T>(fn: (tx: ScriptTransaction) => Promise<T>): Promise<T> {
    return this.#outside(async () => {
      let client: pg.PoolClient;
      try {
        client = await this.#pool.connect();
      } catch (err) {
        throw fromPostgresError(err);
      }
      let open = true;
      const run = async <R extends object>(sql: string, params?: readonly SqlValue[]) => {
        if (!open) throw new StoreError('ERR_STORE_CLOSED', 'the transaction has ended');
        try {
          return await client.query<R>(sql, params && normalizeParams(params));
        } catch (err) {
          throw fromPostgresError(err);
        }
      };
      const tx: ScriptTransaction = {
        dialect: 'postgres',
        query: async <R extends object>(sql: string, params?: readonly SqlValue[]) =>
          (await run<R>(sql, params ?? [])).rows,
        one: (sql, params) => exactlyOne((s, p) => tx.query(s, p), sql, params),
        maybeOne: (sql, params) => firstOrUndefined((s, p) => tx.query(s, p), sql, params),
        exec: async (sql, params) => (await run(sql, params ?? [])).rowCount ?? 0,
        notify: async (topic, key) => {
          checkTopic(topic, key);
          await run('SELECT pg_notify($1, $2)', [CHANNEL, payload(topic, key)]);
        },
        script: async (sql) => {
          await run(sql);
        },
      };
      let broken: unknown;
      try {
        await run('BEGIN');
        const value = await this.#insideTx.run(true, () => fn(tx));
        await run('COMMIT');
        return value;
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
          broken = rollbackErr;
        });
        throw err;
      } finally {
        open = false;
        // A connection that failed to roll back is in an unknown state: drop it.
        client.release(broken instanceof Error ? broken : undefined);
      }
    });
  }

  #outside<T>(fn: () => Promise<T>): Promise<T> {
    const refused = refuseStoreHandle(this.#insideTx, this.#closed);
    return refused ? Promise.reject(refused) : fn();
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreError('ERR_STORE_CLOSED', 'the store is closed');
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url, types });
    client.on('notification', (message) => {
      const change = parsePayload(message.payload);
      if (change) this.#hub.emit(change);
    });
    client.on('error', (err) => {
      this.#onError?.(err);
      if (this.#listener === client) this.#reconnect();
    });
    client.on('end', () => {
      if (this.#listener === client) this.#reconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.#listener = client;
    this.#reconnectDelayMs = 100;
  }

  /** Notifications sent while disconnected are lost, so listeners are told to reload after reconnecting. */
  #reconnect(): void {
    this.#listener = undefined;
    if (this.#closed) return;
    const delay = this.#reconnectDelayMs;
    this.#reconnectDelayMs = Math.min(delay * 2, 10_000);
    setTimeout(() => {
      if (this.#closed) return;
      this.#listening = this.#listen().then(
        () => this.#hub.resync(),
        (err: unknown) => {
          this.#onError?.(err);
          this.#reconnect();
        },
      );
    }, delay).unref();
  }
}

function payload(topic: string, key: string | undefined): string {
  return JSON.stringify(key === undefined ? { topic } : { topic, key });
}

/** Anyone with database access can NOTIFY on our channel: accept only well-formed payloads. */
function parsePayload(text: string | undefined): Change | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { topic, key } = value as { topic?: unknown; key?: unknown };
    if (typeof topic !== 'string') return undefined;
    if (key !== undefined && typeof key !== 'string') return undefined;
    return key === undefined ? { topic } : { topic, key };
  } catch {
    return undefined;
  }
}
