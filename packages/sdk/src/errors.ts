/**
 * Stable codes of `@onegate/sdk`, in alphabetical blocks per area: login
 * (`ERR_LOGIN_*`, `ERR_LOGOUT_TOKEN_*`, `ERR_SESSION_*`) and platform clients
 * (`ERR_API_*`, `ERR_AUDIT_*`, `ERR_AUTHZ_*`, `ERR_PRIVACY_*`).
 */
export type OneGateErrorCode =
  // login, logout and sessions
  | 'ERR_LOGIN_CALLBACK'
  | 'ERR_LOGIN_CONFIG'
  | 'ERR_LOGIN_DISCOVERY'
  | 'ERR_LOGOUT_TOKEN_INVALID'
  | 'ERR_SESSION_TOO_LARGE'
  // platform clients: the /api/v1 calls and their token
  | 'ERR_API_CONFIG'
  | 'ERR_API_CONFLICT'
  | 'ERR_API_FORBIDDEN'
  | 'ERR_API_INVALID'
  | 'ERR_API_NOT_FOUND'
  | 'ERR_API_RATE_LIMITED'
  | 'ERR_API_RESPONSE'
  | 'ERR_API_UNAUTHORIZED'
  | 'ERR_API_UNAVAILABLE'
  | 'ERR_API_UNSUPPORTED'
  | 'ERR_AUDIT_FLUSH_TIMEOUT'
  | 'ERR_AUDIT_INVALID'
  | 'ERR_AUDIT_REJECTED'
  | 'ERR_AUDIT_UNDELIVERED'
  | 'ERR_PRIVACY_STEP_UP_REQUIRED';

/**
 * The one error type of `@onegate/sdk`. `code` is stable (branch on it, never
 * on the message); the message is fixed per failure and never carries a token,
 * secret, cookie or personal data, so it is safe to log and to show.
 */
export class OneGateError extends Error {
  /** Stable code of the failure. */
  readonly code: OneGateErrorCode;

  constructor(code: OneGateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OneGateError';
    this.code = code;
  }
}
