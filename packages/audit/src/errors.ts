/** Stable codes of `@onegate/audit`; the server maps each to an HTTP status in one place. */
export type AuditErrorCode =
  /** Malformed input: an event that fails the schema, a batch too large, a bad cursor or index … */
  | 'ERR_AUDIT_INVALID'
  /** No such entry, checkpoint or tree size (yet). */
  | 'ERR_AUDIT_NOT_FOUND'
  /** The same idempotency key came with a different batch. */
  | 'ERR_AUDIT_CONFLICT'
  /** A proof, checkpoint or stored tree does not verify. */
  | 'ERR_AUDIT_VERIFY'
  /** The log cannot take the append now (store down, shutting down); nothing was appended. */
  | 'ERR_AUDIT_UNAVAILABLE';

/** The one error type of `@onegate/audit`. Messages never carry event contents: they may be logged. */
export class AuditError extends Error {
  readonly code: AuditErrorCode;

  constructor(code: AuditErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuditError';
    this.code = code;
  }
}

export function isAuditError(err: unknown, code?: AuditErrorCode): err is AuditError {
  return err instanceof AuditError && (code === undefined || err.code === code);
}
