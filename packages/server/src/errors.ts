/** Stable codes of `@onegate/server`; `http/error-response.ts` maps each to an HTTP status. */
export type ServerErrorCode =
  | 'ERR_CONFIG_INVALID'
  | 'ERR_INVALID_REQUEST'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_INVALID_TOKEN'
  | 'ERR_INSUFFICIENT_SCOPE'
  | 'ERR_NOT_FOUND'
  | 'ERR_SHUTTING_DOWN'
  /** Over a documented per-caller rate (ASVS 2.4.1); `Retry-After` says when to try again. */
  | 'ERR_RATE_LIMITED'
  /** A certificate, key or CRL given as input is not what it must be. */
  | 'ERR_CERT_INVALID'
  /** The TLS files named in the configuration cannot be used (at start or on reload). */
  | 'ERR_TLS_CONFIG';

export class ServerError extends Error {
  readonly code: ServerErrorCode;
  /** `ERR_RATE_LIMITED`: when the limit lets the caller in again (the answer's `Retry-After`). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ServerErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'ServerError';
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}
