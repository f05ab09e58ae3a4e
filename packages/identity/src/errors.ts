/** Stable codes of `@onegate/identity`; the server maps each to an HTTP status in one place. */
export type IdentityErrorCode =
  | 'ERR_PASSWORD_POLICY'
  | 'ERR_INVALID_CREDENTIALS'
  | 'ERR_THROTTLED'
  | 'ERR_ACCOUNT_NOT_FOUND'
  | 'ERR_ACCOUNT_EXISTS'
  | 'ERR_ACCOUNT_INVALID'
  | 'ERR_ACCOUNT_DISABLED'
  | 'ERR_INVALID_TOKEN'
  | 'ERR_CLIENT_NOT_FOUND'
  | 'ERR_CLIENT_INVALID'
  | 'ERR_KEY_UNAVAILABLE'
  | 'ERR_SEALED_DATA'
  | 'ERR_NOT_INITIALIZED'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_TOTP_SECRET_INVALID'
  | 'ERR_TOTP_ALREADY_ACTIVE'
  | 'ERR_TOTP_NOT_ENROLLED'
  | 'ERR_PASSKEY_INVALID'
  | 'ERR_PASSKEY_NOT_FOUND'
  | 'ERR_LAST_SIGN_IN_METHOD'
  /** A request to a registered URL that the outbound policy forbids; never sent. */
  | 'ERR_OUTBOUND_REFUSED';

/**
 * The one error type of `@onegate/identity`. Messages are safe to show to the
 * caller: they never carry a password, secret, token or personal data.
 */
export class IdentityError extends Error {
  readonly code: IdentityErrorCode;

  constructor(code: IdentityErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdentityError';
    this.code = code;
  }
}
