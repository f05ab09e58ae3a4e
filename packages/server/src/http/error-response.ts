import type { Middleware } from 'koa';
import { AuditError, type AuditErrorCode } from '@onegate/audit';
import { AuthzError, type AuthzErrorCode } from '@onegate/authz';
import { StoreError, type StoreErrorCode } from '@onegate/store';
import { IdentityError, type IdentityErrorCode } from '@onegate/identity';
import { PrivacyError, type PrivacyErrorCode } from '@onegate/privacy';
import { ServerError, type ServerErrorCode } from '../errors.ts';
import type { RequestState } from './state.ts';

/** `{error, error_description}` as in RFC 6749 §5.2: a stable code and text meant for the caller. */
export interface ErrorBody {
  error: string;
  error_description: string;
}

interface Mapped {
  status: number;
  body: ErrorBody;
}

// The one place where error codes of every package meet HTTP statuses.
const SERVER_STATUS: Record<ServerErrorCode, number> = {
  ERR_CONFIG_INVALID: 500,
  ERR_INVALID_REQUEST: 400,
  ERR_UNAUTHORIZED: 401,
  ERR_INVALID_TOKEN: 401,
  ERR_INSUFFICIENT_SCOPE: 403,
  ERR_NOT_FOUND: 404,
  ERR_SHUTTING_DOWN: 503,
  ERR_RATE_LIMITED: 429,
  ERR_CERT_INVALID: 400,
  ERR_TLS_CONFIG: 500,
};

const STORE_STATUS: Partial<Record<StoreErrorCode, Mapped>> = {
  ERR_STORE_UNAVAILABLE: {
    status: 503,
    body: { error: 'temporarily_unavailable', error_description: 'the database cannot be reached' },
  },
  ERR_STORE_BUSY: {
    status: 503,
    body: { error: 'temporarily_unavailable', error_description: 'the database is busy; try again' },
  },
  ERR_STORE_CONFLICT: { status: 409, body: { error: 'conflict', error_description: 'it already exists' } },
};

/** Identity failures a caller can act on; the rest (sealed data, keys) are internal. */
const IDENTITY_STATUS: Partial<Record<IdentityErrorCode, number>> = {
  ERR_PASSWORD_POLICY: 400,
  ERR_ACCOUNT_INVALID: 400,
  ERR_CLIENT_INVALID: 400,
  ERR_INVALID_TOKEN: 401,
  ERR_ACCOUNT_NOT_FOUND: 404,
  ERR_CLIENT_NOT_FOUND: 404,
  ERR_ACCOUNT_EXISTS: 409,
  ERR_THROTTLED: 429,
  ERR_TOTP_SECRET_INVALID: 400,
  ERR_TOTP_ALREADY_ACTIVE: 409,
  ERR_TOTP_NOT_ENROLLED: 409,
  ERR_PASSKEY_INVALID: 400,
  ERR_PASSKEY_NOT_FOUND: 404,
  ERR_LAST_SIGN_IN_METHOD: 409,
};

const AUTHZ_STATUS: Record<AuthzErrorCode, number> = {
  ERR_AUTHZ_INVALID: 400,
  ERR_AUTHZ_NOT_FOUND: 404,
  ERR_AUTHZ_CONFLICT: 409,
  // The operator's own model cannot answer this query: the server can't, whatever the caller sends.
  ERR_AUTHZ_UNSUPPORTED: 501,
};

/** A KEK that will not unwrap is the operator's problem, never the caller's: a bare 500. */
const PRIVACY_STATUS: Record<PrivacyErrorCode, number> = {
  ERR_PRIVACY_INVALID: 400,
  ERR_PRIVACY_CIPHERTEXT: 400,
  ERR_PRIVACY_FORBIDDEN: 403,
  ERR_PRIVACY_KEY_NOT_FOUND: 404,
  ERR_PRIVACY_KEY_RETIRED: 409,
  ERR_PRIVACY_KEY_SHREDDED: 410,
  ERR_PRIVACY_KEK: 500,
  ERR_PRIVACY_INSUFFICIENT_AUTHENTICATION: 403,
  ERR_PRIVACY_RATE_LIMITED: 429,
  ERR_PRIVACY_UNAVAILABLE: 503,
};

/**
 * A proof or stored tree that does not verify is tampering or a bug on our
 * side, never the caller's doing: a bare 500, the detail only in our log.
 */
const AUDIT_STATUS: Record<AuditErrorCode, number> = {
  ERR_AUDIT_INVALID: 400,
  ERR_AUDIT_NOT_FOUND: 404,
  ERR_AUDIT_CONFLICT: 409,
  ERR_AUDIT_VERIFY: 500,
  ERR_AUDIT_UNAVAILABLE: 503,
};

/** Codes with a name fixed by a standard rather than derived from ours. */
const STANDARD_ERRORS: Partial<Record<string, string>> = {
  // RFC 9470: the caller can ask the person to sign in again, stronger.
  ERR_PRIVACY_INSUFFICIENT_AUTHENTICATION: 'insufficient_user_authentication',
};

const INTERNAL: Mapped = {
  status: 500,
  body: { error: 'server_error', error_description: 'internal error' },
};

export function toErrorResponse(err: unknown): Mapped {
  if (err instanceof ServerError) {
    const status = SERVER_STATUS[err.code];
    return status >= 500 && err.code !== 'ERR_SHUTTING_DOWN'
      ? INTERNAL
      : { status, body: { error: snake(err.code), error_description: err.message } };
  }
  if (err instanceof StoreError) return STORE_STATUS[err.code] ?? INTERNAL;
  if (err instanceof IdentityError) {
    const status = IDENTITY_STATUS[err.code];
    return status === undefined
      ? INTERNAL
      : { status, body: { error: snake(err.code), error_description: err.message } };
  }
  if (err instanceof AuthzError) {
    return {
      status: AUTHZ_STATUS[err.code],
      body: { error: snake(err.code), error_description: err.message },
    };
  }
  if (err instanceof PrivacyError) {
    const status = PRIVACY_STATUS[err.code];
    return status === 500
      ? INTERNAL
      : {
          status,
          body: { error: STANDARD_ERRORS[err.code] ?? snake(err.code), error_description: err.message },
        };
  }
  if (err instanceof AuditError) {
    const status = AUDIT_STATUS[err.code];
    return status === 500
      ? INTERNAL
      : { status, body: { error: snake(err.code), error_description: err.message } };
  }
  // Koa's own client errors (ctx.throw(400), body too large …) mark themselves `expose`.
  const httpError = err as { status?: unknown; expose?: unknown; message?: unknown };
  if (
    typeof httpError.status === 'number' &&
    httpError.status >= 400 &&
    httpError.status < 500 &&
    httpError.expose
  ) {
    return {
      status: httpError.status,
      body: { error: 'invalid_request', error_description: String(httpError.message) },
    };
  }
  return INTERNAL;
}

/** `ERR_NOT_FOUND` → `not_found`. */
function snake(code: string): string {
  return code.replace(/^ERR_/, '').toLowerCase();
}

/** Outermost handler: every failure becomes JSON; 5xx bodies never carry detail, the log does. */
export function errorResponse(): Middleware<RequestState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new ServerError('ERR_NOT_FOUND', 'no such endpoint');
      }
    } catch (err) {
      const { status, body } = toErrorResponse(err);
      if (status === 401 && body.error === 'invalid_token')
        ctx.set('www-authenticate', 'Bearer error="invalid_token"');
      if (status === 403 && body.error === 'insufficient_scope')
        ctx.set('www-authenticate', 'Bearer error="insufficient_scope"');
      // A rate limit says when its window ends (RFC 9110 §10.2.3).
      const retryAfter =
        err instanceof ServerError || err instanceof PrivacyError ? err.retryAfterSeconds : undefined;
      if (status === 429 && retryAfter !== undefined) ctx.set('Retry-After', String(retryAfter));
      if (status >= 500) ctx.state.log.error({ err: describe(err) }, 'request failed');
      ctx.status = status;
      ctx.body = body;
    }
  };
}

/** Code, message and stack; the driver `cause` only by its code, since driver messages can quote values. */
function describe(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const cause = err.cause as { code?: unknown } | undefined;
  return {
    type: err.name,
    code: (err as { code?: unknown }).code,
    message: err.message,
    stack: err.stack,
    causeCode: cause?.code,
  };
}
