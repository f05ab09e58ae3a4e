import { OneGateError, type OneGateErrorCode } from '../errors.ts';
import type { ResolvedOptions } from './options.ts';
import { safeCause, safeCode, type TokenSource } from './token-source.ts';

/** What travels in a platform error's `cause`: OneGate's answer, never the request or its token. */
export interface ApiErrorCause {
  status: number;
  /** OneGate's stable `error` code (`authz_invalid`, `privacy_forbidden` …). */
  error: string;
  /** OneGate's text for the caller; names fields and items, never their values. */
  errorDescription?: string;
  /** Seconds from `Retry-After`, on 429 and 503. */
  retryAfter?: number;
}

export interface ApiRequest {
  /** Path under /api/v1, e.g. `/authz/check`. */
  path: string;
  /** Scopes the call accepts, any one of them. */
  scopes: readonly string[];
  /** The body, already serialized. */
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * POSTs to /api/v1 with a cached access token. A 401 `invalid_token`
 * (revoked, expired early, a key rotated) drops the token and repeats the
 * call once with a new one.
 */
export class ApiClient {
  readonly #options: ResolvedOptions;
  readonly #tokens: TokenSource;

  constructor(options: ResolvedOptions, tokens: TokenSource) {
    this.#options = options;
    this.#tokens = tokens;
  }

  /** The answer's JSON on 2xx; a `OneGateError` otherwise. */
  async json<T>(request: ApiRequest): Promise<T> {
    const res = await this.send(request);
    if (res.ok) return readJson<T>(res);
    throw await errorOf(res);
  }

  /** The raw answer (any status) after the one retry on `invalid_token`; rejects only when OneGate is unreachable. */
  async send(request: ApiRequest): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const { token, key } = await this.#tokens.token(request.scopes);
      const res = await this.#post(request, token);
      if (res.status !== 401 || attempt > 0 || !(await invalidToken(res))) return res;
      this.#tokens.invalidate(key, token);
      await res.body?.cancel().catch(() => undefined);
    }
  }

  async #post(request: ApiRequest, token: string): Promise<Response> {
    try {
      return await this.#options.fetch(`${this.#options.apiBase}${request.path}`, {
        method: 'POST',
        headers: {
          ...request.headers,
          authorization: `Bearer ${token}`,
          'content-type': request.contentType ?? 'application/json',
          accept: 'application/json',
        },
        body: request.body,
        redirect: 'error',
      });
    } catch (err) {
      throw new OneGateError('ERR_API_UNAVAILABLE', 'OneGate could not be reached', {
        cause: safeCause(err),
      });
    }
  }
}

/** Whether a 401 says the token itself is bad (so a new one may help), reading a clone of the body. */
async function invalidToken(res: Response): Promise<boolean> {
  if (/error="invalid_token"/.test(res.headers.get('www-authenticate') ?? '')) return true;
  const body = await res
    .clone()
    .json()
    .catch(() => undefined);
  return (body as { error?: unknown } | undefined)?.error === 'invalid_token';
}

/** A 2xx answer's JSON; `ERR_API_RESPONSE` when it is not JSON. */
export async function readJson<T>(res: Response): Promise<T> {
  try {
    return (await res.json()) as T;
  } catch {
    throw new OneGateError('ERR_API_RESPONSE', 'OneGate answered with something that is not JSON');
  }
}

function codeFor(status: number, error: string): OneGateErrorCode {
  if (status === 401) return 'ERR_API_UNAUTHORIZED';
  // RFC 9470: the person must sign in again, stronger.
  if (status === 403 && error === 'insufficient_user_authentication') return 'ERR_PRIVACY_STEP_UP_REQUIRED';
  if (status === 403) return 'ERR_API_FORBIDDEN';
  if (status === 404) return 'ERR_API_NOT_FOUND';
  if (status === 409) return 'ERR_API_CONFLICT';
  if (status === 429) return 'ERR_API_RATE_LIMITED';
  if (status === 501) return 'ERR_API_UNSUPPORTED';
  if (status >= 400 && status < 500) return 'ERR_API_INVALID';
  return 'ERR_API_UNAVAILABLE';
}

/** Seconds of a `Retry-After` header (delta-seconds or an HTTP date), if any. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  if (/^\d{1,9}$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * A non-2xx answer as a `OneGateError`: the message names the status and
 * OneGate's `error` code only; `cause` holds the rest (`ApiErrorCause`).
 */
export async function errorOf(res: Response): Promise<OneGateError> {
  const body = (await res.json().catch(() => undefined)) as
    { error?: unknown; error_description?: unknown } | undefined;
  const error = safeCode(body?.error);
  const description = body?.error_description;
  const retryAfter = retryAfterSeconds(res.headers.get('retry-after'));
  const cause: ApiErrorCause = {
    status: res.status,
    error,
    ...(typeof description === 'string' && res.status < 500
      ? { errorDescription: description.slice(0, 1000) }
      : {}),
    ...(retryAfter === undefined ? {} : { retryAfter }),
  };
  return new OneGateError(codeFor(res.status, error), `OneGate answered ${res.status} ${error}`, { cause });
}
