import type { SqlValue, Transaction } from '@onegate/store';
import type { StoredNode } from './frontier.ts';
import { TEXT_COLUMNS } from './entry-columns.ts';

const ENTRY_COLUMNS = ['idx', 'leaf', 'leaf_hash', 'at', ...TEXT_COLUMNS.map(([, column]) => column)];
const NODE_COLUMNS = ['level', 'idx', 'hash'];

/**
 * Most parameters per statement. Rows go in power-of-two chunks below this,
 * so only a handful of statement shapes stay prepared. SQLite is kept small:
 * the store numbers its placeholders (`?1, ?2 …`) and binding numbered
 * parameters costs time quadratic in their count (measured: 256 rows of 11
 * is 3× slower per row than 16). PostgreSQL pays a round trip per statement.
 */
const MAX_PARAMS = { sqlite: 200, postgres: 4096 } as const;

/** One entry row's values, in `ENTRY_COLUMNS` order. */
export type EntryRow = SqlValue[];

export function insertEntries(tx: Transaction, rows: readonly EntryRow[]): Promise<void> {
  return insertRows(tx, 'audit_entries', ENTRY_COLUMNS, rows);
}

export function insertNodes(tx: Transaction, nodes: readonly StoredNode[]): Promise<void> {
  return insertRows(
    tx,
    'audit_nodes',
    NODE_COLUMNS,
    nodes.map((node) => [node.level, node.index, node.hash]),
  );
}

/** Multi-row INSERTs in power-of-two chunks: few round trips, few distinct statements. */
async function insertRows(
  tx: Transaction,
  table: string,
  columns: readonly string[],
  rows: readonly SqlValue[][],
): Promise<void> {
  let maxRows = 1;
  while (maxRows * 2 * columns.length <= MAX_PARAMS[tx.dialect]) maxRows *= 2;
  let offset = 0;
  while (offset < rows.length) {
    let chunk = maxRows;
    while (chunk > rows.length - offset) chunk /= 2;
    const params: SqlValue[] = [];
    for (let i = offset; i < offset + chunk; i++) params.push(...rows[i]!);
    await tx.exec(insertSql(table, columns, chunk), params);
    offset += chunk;
  }
}

const sqlCache = new Map<string, string>();

function insertSql(table: string, columns: readonly string[], rows: number): string {
  const cacheKey = `${table}/${rows}`;
  let sql = sqlCache.get(cacheKey);
  if (!sql) {
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) {
      const base = r * columns.length;
      tuples.push(`(${columns.map((_, c) => `$${base + c + 1}`).join(', ')})`);
    }
    sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`;
    sqlCache.set(cacheKey, sql);
  }
  return sql;
}
