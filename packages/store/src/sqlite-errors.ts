import { StoreError } from './errors.ts';

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;

/** Maps a `node:sqlite` error to a StoreError without copying statement values. */
export function fromSqliteError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const errcode = (err as { errcode?: unknown }).errcode;
  if (typeof errcode !== 'number') {
    return new StoreError('ERR_STORE_QUERY', 'the database refused the statement', { cause: err });
  }
  const primary = errcode & 0xff;
  if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) {
    return new StoreError('ERR_STORE_BUSY', 'the database is busy; try again', { cause: err });
  }
  if (errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY) {
    return new StoreError('ERR_STORE_CONFLICT', 'a row with the same unique key already exists', {
      cause: err,
    });
  }
  // errstr is SQLite's generic text for the code ("constraint failed"), never a value.
  const errstr = (err as { errstr?: unknown }).errstr;
  return new StoreError(
    'ERR_STORE_QUERY',
    `the database refused the statement: ${typeof errstr === 'string' ? errstr : 'error'}`,
    { cause: err },
  );
}
