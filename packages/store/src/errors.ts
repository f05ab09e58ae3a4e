/** Stable codes for every failure the store reports; callers branch on these, never on messages. */
export type StoreErrorCode =
  | 'ERR_STORE_CONFIG'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_STORE_BUSY'
  | 'ERR_STORE_CONFLICT'
  | 'ERR_STORE_NOT_FOUND'
  | 'ERR_STORE_QUERY'
  | 'ERR_STORE_MIGRATION'
  | 'ERR_STORE_MISUSE'
  | 'ERR_STORE_CLOSED';

/**
 * The one error type of `@onegate/store`. Messages never contain query
 * parameters (they may hold personal data); the driver's error is kept as
 * `cause` for operators, not for clients.
 */
export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}
