import { StoreError } from './errors.ts';

const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN']);

/**
 * Maps a `pg` error by SQLSTATE. PostgreSQL's messages can quote input values
 * (`invalid input syntax for type integer: "…"`), so they stay in `cause`.
 */
export function fromPostgresError(err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: unknown }).code;
  const sqlstate = typeof code === 'string' ? code : '';
  if (
    UNAVAILABLE_NODE_CODES.has(sqlstate) ||
    sqlstate.startsWith('08') ||
    sqlstate === '57P01' ||
    sqlstate === '53300' ||
    isTimeout(err)
  ) {
    return new StoreError('ERR_STORE_UNAVAILABLE', 'the database cannot be reached', { cause: err });
  }
  if (sqlstate === '23505') {
    return new StoreError('ERR_STORE_CONFLICT', 'a row with the same unique key already exists', {
      cause: err,
    });
  }
  if (sqlstate === '40001' || sqlstate === '40P01' || sqlstate === '55P03') {
    return new StoreError('ERR_STORE_BUSY', 'the database is busy; try again', { cause: err });
  }
  return new StoreError(
    'ERR_STORE_QUERY',
    `the database refused the statement${sqlstate ? ` (SQLSTATE ${sqlstate})` : ''}`,
    { cause: err },
  );
}

/** pg's pool gives these two failures no code, so their fixed texts are all there is to go on. */
function isTimeout(err: unknown): boolean {
  return (
    err instanceof Error && /timeout exceeded when trying to connect|Connection terminated/i.test(err.message)
  );
}
