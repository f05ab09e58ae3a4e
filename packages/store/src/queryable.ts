import type { AsyncLocalStorage } from 'node:async_hooks';
import { StoreError } from './errors.ts';
import type { SqlValue } from './types.ts';

type QueryFn = <T extends object>(sql: string, params?: readonly SqlValue[]) => Promise<T[]>;

export async function exactlyOne<T extends object>(
  query: QueryFn,
  sql: string,
  params?: readonly SqlValue[],
): Promise<T> {
  const rows = await query<T>(sql, params);
  if (rows.length !== 1) {
    throw new StoreError('ERR_STORE_NOT_FOUND', `expected one row, got ${rows.length}`);
  }
  return rows[0]!;
}

export async function firstOrUndefined<T extends object>(
  query: QueryFn,
  sql: string,
  params?: readonly SqlValue[],
): Promise<T | undefined> {
  const rows = await query<T>(sql, params);
  return rows[0];
}

/** Both drivers take booleans differently; 0/1 works for INTEGER and BOOLEAN columns alike. */
export function normalizeParams(params: readonly SqlValue[] = []): Exclude<SqlValue, boolean>[] {
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

const TOPIC_PATTERN = /^[a-z][a-z0-9_.:-]{0,127}$/;

export function checkTopic(topic: string, key?: string): void {
  if (!TOPIC_PATTERN.test(topic)) {
    throw new StoreError('ERR_STORE_MISUSE', 'change topic must be a short lower-case name');
  }
  if (key !== undefined && key.length > 512) {
    throw new StoreError('ERR_STORE_MISUSE', 'change key is longer than 512 characters');
  }
}

/**
 * The store handle used inside a transaction body would deadlock on SQLite
 * (it waits for the transaction) and escape the transaction on PostgreSQL:
 * either way a bug, so it is refused.
 */
export function refuseStoreHandle(
  insideTx: AsyncLocalStorage<true>,
  closed: boolean,
): StoreError | undefined {
  if (insideTx.getStore()) {
    return new StoreError('ERR_STORE_MISUSE', 'use the transaction handle inside a transaction');
  }
  return closed ? new StoreError('ERR_STORE_CLOSED', 'the store is closed') : undefined;
}
