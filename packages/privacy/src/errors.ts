/** Stable codes of `@onegate/privacy`; the server maps each to an HTTP status in one place. */
export type PrivacyErrorCode =
  /** Malformed input: an unknown profile, a value of the wrong type, a batch too large … */
  | 'ERR_PRIVACY_INVALID'
  /** The ciphertext cannot be opened: malformed, tampered with, or bound to another place (associated data). */
  | 'ERR_PRIVACY_CIPHERTEXT'
  /** No such data key or key version. */
  | 'ERR_PRIVACY_KEY_NOT_FOUND'
  /** The key version is retired or below the minimum decryptable version. */
  | 'ERR_PRIVACY_KEY_RETIRED'
  /** The data subject's key was deleted (erasure): their data is gone for good. */
  | 'ERR_PRIVACY_KEY_SHREDDED'
  /** The key-encryption key is missing or cannot unwrap the data keys. */
  | 'ERR_PRIVACY_KEK'
  /** The caller may not decrypt this field for this purpose. */
  | 'ERR_PRIVACY_FORBIDDEN'
  /** The person's sign-in is too weak to decrypt personal data: sign in again with a second factor or a passkey. */
  | 'ERR_PRIVACY_INSUFFICIENT_AUTHENTICATION'
  /** Over a decrypt limit (per person per day, per app per minute). */
  | 'ERR_PRIVACY_RATE_LIMITED'
  /** A decrypt could not be audited, so nothing was decrypted: try again later. */
  | 'ERR_PRIVACY_UNAVAILABLE';

/**
 * The one error type of `@onegate/privacy`. Messages never carry plaintext,
 * key material or the ciphertext itself: they may end up in logs.
 */
export class PrivacyError extends Error {
  readonly code: PrivacyErrorCode;
  /** `ERR_PRIVACY_RATE_LIMITED`: when the limit's window ends (the HTTP answer's `Retry-After`). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: PrivacyErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'PrivacyError';
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export function isPrivacyError(err: unknown, code?: PrivacyErrorCode): err is PrivacyError {
  return err instanceof PrivacyError && (code === undefined || err.code === code);
}
