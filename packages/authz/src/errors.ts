/** Stable codes of `@onegate/authz`; the server maps each to an HTTP status in one place. */
export type AuthzErrorCode =
  /** A request or policy field is malformed (bad name, resource path, batch size …). */
  | 'ERR_AUTHZ_INVALID'
  /** A department, role, rule or delegation named in the input does not exist. */
  | 'ERR_AUTHZ_NOT_FOUND'
  /** The thing already exists, or the change would contradict the policy (cycle, approval by its author …). */
  | 'ERR_AUTHZ_CONFLICT'
  /** The operator's own Casbin model is in use: this query needs the built-in model. */
  | 'ERR_AUTHZ_UNSUPPORTED';

/** The one error type of `@onegate/authz`; messages are safe to show to the caller. */
export class AuthzError extends Error {
  readonly code: AuthzErrorCode;

  constructor(code: AuthzErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthzError';
    this.code = code;
  }
}

export function isAuthzError(err: unknown, code?: AuthzErrorCode): err is AuthzError {
  return err instanceof AuthzError && (code === undefined || err.code === code);
}
