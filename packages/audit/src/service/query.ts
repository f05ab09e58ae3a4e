import type { Queryable, SqlValue } from '@onegate/store';
import { AuditError } from '../errors.ts';
import type { AuditEvent } from '../event/event-schema.ts';
import { SEARCH_BUCKET_BITS } from '../log/audit-migrations.ts';

/** What an officer can search by; every filter is an indexed column beside the leaf. */
export interface EventFilter {
  /** Inclusive, ms since the epoch (the time the event was appended). */
  from?: number;
  /** Exclusive. */
  to?: number;
  actor?: string;
  subject?: string;
  /**
   * Any of these data subjects (at most MAX_SUBJECTS): a citizen known by a
   * different id to each app. For OneGate's own callers; the API takes `subject`.
   */
  subjects?: readonly string[];
  action?: string;
  outcome?: string;
  department?: string;
  clientId?: string;
  purpose?: string;
}

export const MAX_PAGE = 1000;
export const MAX_SUBJECTS = 1000;
const FILTER_COLUMNS: ReadonlyArray<
  readonly [Exclude<keyof EventFilter, 'from' | 'to' | 'subjects'>, string]
> = [
  ['actor', 'actor'],
  ['subject', 'subject'],
  ['action', 'action'],
  ['outcome', 'outcome'],
  ['department', 'department'],
  ['clientId', 'client_id'],
  ['purpose', 'purpose'],
];

function invalid(message: string): AuditError {
  return new AuditError('ERR_AUDIT_INVALID', message);
}

/** A filter from query-string-like input: known keys only, bounded text, times as RFC 3339. */
export function parseFilter(input: Record<string, unknown>): EventFilter {
  const filter: EventFilter = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (key === 'from' || key === 'to') {
      const ms = typeof value === 'string' ? Date.parse(value) : NaN;
      if (!Number.isFinite(ms)) throw invalid(`${key} must be an RFC 3339 date-time`);
      filter[key] = ms;
      continue;
    }
    if (!FILTER_COLUMNS.some(([name]) => name === key)) {
      throw invalid(
        `unknown filter ${key}; filters are from, to, ${FILTER_COLUMNS.map(([n]) => n).join(', ')}`,
      );
    }
    if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
      throw invalid(`${key} must be text of 1 to 256 characters`);
    }
    (filter as Record<string, string>)[key] = value;
  }
  return filter;
}

/** Cursors are opaque to callers: the last index seen, newest first. */
export function encodeCursor(index: number): string {
  return Buffer.from(`i${index}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,32}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^i(\d{1,16})$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(index)) throw invalid('the cursor is not one this API gave out');
  return index;
}

export interface QueriedEvent {
  index: number;
  event: AuditEvent;
}

/**
 * One page, newest first, of events matching every filter. `before` (from a
 * cursor) continues below that index, so pages never shift as new events
 * arrive. Each filter is one indexed column; the planner picks the index.
 */
export async function queryPage(
  db: Queryable,
  filter: EventFilter,
  options: { before?: number; limit: number },
): Promise<{ events: QueriedEvent[]; nextBefore?: number }> {
  // Pruned entries have no body left to show.
  const where: string[] = ['pruned_at IS NULL'];
  const params: SqlValue[] = [];
  const add = (sql: string, value: SqlValue) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  for (const [key, column] of FILTER_COLUMNS) {
    const value = filter[key];
    if (value !== undefined) add(`${column} = ?`, value);
  }
  if (filter.subjects !== undefined) {
    if (filter.subjects.length === 0) return { events: [] };
    if (filter.subjects.length > MAX_SUBJECTS) throw invalid(`subjects is at most ${MAX_SUBJECTS} values`);
    // Each value one seek of the subject index (per bucket on SQLite).
    const first = params.length + 1;
    params.push(...filter.subjects);
    where.push(`subject IN (${filter.subjects.map((_, i) => `$${first + i}`).join(', ')})`);
  }
  if (filter.from !== undefined) add('at >= ?', filter.from);
  if (filter.to !== undefined) add('at < ?', filter.to);
  const bounds = await indexBounds(db, filter);
  if (bounds === 'empty') return { events: [] };
  if (bounds.first !== undefined) add('idx >= ?', bounds.first);
  if (bounds.end !== undefined) add('idx < ?', bounds.end);
  if (options.before !== undefined) add('idx < ?', options.before);
  let buckets = '';
  let order = 'idx DESC';
  if (db.dialect === 'sqlite' && usesBucketedIndex(filter)) {
    const range = await bucketRange(
      db,
      bounds.first,
      Math.min(bounds.end ?? Infinity, options.before ?? Infinity),
    );
    if (range === 'empty') return { events: [] };
    params.push(range.newest, range.oldest);
    // Newest bucket first; within one, the index is in idx order already, so no sort.
    buckets = `WITH RECURSIVE bucket(n) AS (SELECT $${params.length - 1} UNION ALL SELECT n - 1 FROM bucket WHERE n > $${params.length}) `;
    where.push(`(idx >> ${SEARCH_BUCKET_BITS}) IN bucket`);
    order = `(idx >> ${SEARCH_BUCKET_BITS}) DESC, idx DESC`;
  }
  params.push(options.limit + 1);
  const rows = await db.query<{ idx: number; leaf: Buffer }>(
    `${buckets}SELECT idx, leaf FROM audit_entries WHERE ${where.join(' AND ')}
     ORDER BY ${order} LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, options.limit).map((r) => ({
    index: Number(r.idx),
    event: JSON.parse(Buffer.from(r.leaf).toString('utf8')) as AuditEvent,
  }));
  return rows.length > options.limit ? { events: page, nextBefore: page.at(-1)!.index } : { events: page };
}

/** Whether the filter names a column whose SQLite index is per bucket (every one but outcome). */
function usesBucketedIndex(filter: EventFilter): boolean {
  return (
    filter.subjects !== undefined ||
    FILTER_COLUMNS.some(([key]) => key !== 'outcome' && filter[key] !== undefined)
  );
}

const BUCKET = 2 ** SEARCH_BUCKET_BITS;

/** The buckets holding indexes in [first, end): the newest from the log's last entry when no end is known. */
async function bucketRange(
  db: Queryable,
  first: number | undefined,
  end: number,
): Promise<{ newest: number; oldest: number } | 'empty'> {
  let last = end - 1;
  if (end === Infinity) {
    const [row] = await db.query<{ last: number | null }>('SELECT max(idx) AS last FROM audit_entries');
    if (row?.last === null || row?.last === undefined) return 'empty';
    last = Number(row.last);
  }
  const newest = Math.floor(last / BUCKET);
  const oldest = Math.floor((first ?? 0) / BUCKET);
  return last < 0 || newest < oldest ? 'empty' : { newest, oldest };
}

/**
 * How far an event's `at` (when an instance received it) can be out of step
 * with its place in the log: the group-commit window, and clock skew between
 * instances sharing one PostgreSQL. Far more than either.
 */
export const AT_SKEW_MS = 5 * 60_000;

/**
 * A time range as a range of indexes, so a search over one day of a log of
 * 10 million entries reads that day, not the log back to it. `at` rises with
 * the index, give or take AT_SKEW_MS: an entry whose `at` is below
 * `from - skew` has every entry before it below `from`, and one above
 * `to + skew` has every entry after it at or above `to`. Each bound is one
 * index seek; the exact `at` terms of the query still decide.
 */
async function indexBounds(
  db: Queryable,
  filter: EventFilter,
): Promise<{ first?: number; end?: number } | 'empty'> {
  const bounds: { first?: number; end?: number } = {};
  if (filter.from !== undefined && filter.to !== undefined && filter.from >= filter.to) return 'empty';
  if (filter.from !== undefined) {
    const [below] = await db.query<{ idx: number }>(
      'SELECT idx FROM audit_entries WHERE at < $1 ORDER BY at DESC LIMIT 1',
      [filter.from - AT_SKEW_MS],
    );
    if (below) bounds.first = Number(below.idx);
  }
  if (filter.to !== undefined) {
    const [above] = await db.query<{ idx: number }>(
      'SELECT idx FROM audit_entries WHERE at > $1 ORDER BY at LIMIT 1',
      [filter.to + AT_SKEW_MS],
    );
    if (above) bounds.end = Number(above.idx);
  }
  return bounds;
}
