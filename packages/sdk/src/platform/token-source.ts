import * as oidc from 'openid-client';
import { OneGateError } from '../errors.ts';
import type { ResolvedOptions } from './options.ts';

interface CachedToken {
  token: string;
  /** When to stop using it: 30 s (or half its life, if shorter) before it expires. */
  renewAt: number;
}

/** Without `expires_in` a token is used for a minute at most. */
const UNKNOWN_LIFETIME_S = 60;
const RENEW_MARGIN_MS = 30_000;

/**
 * Access tokens for /api/v1 from the client-credentials grant, one per scope
 * set, cached until shortly before they expire. Concurrent callers share one
 * request; a token /api/v1 called invalid is dropped (`invalidate`) and the
 * next caller gets a new one.
 */
export class TokenSource {
  readonly #options: ResolvedOptions;
  #config: Promise<oidc.Configuration> | undefined;
  readonly #tokens = new Map<string, CachedToken>();
  readonly #pending = new Map<string, Promise<string>>();
  /** Scopes the token endpoint refused (`invalid_scope`): not asked for again when an alternative exists. */
  readonly #refused = new Set<string>();

  constructor(options: ResolvedOptions) {
    this.#options = options;
  }

  /**
   * A token for the first of `anyOf` (alternative scopes, any one of which
   * the call accepts) that this client holds, or the configured `scopes`.
   * Returns the token and the scope key to `invalidate` it by.
   */
  async token(anyOf: readonly string[]): Promise<{ token: string; key: string }> {
    const fixed = this.#options.scopes;
    if (fixed !== undefined) {
      const key = fixed.join(' ');
      return { token: await this.#tokenFor(key), key };
    }
    const now = Date.now();
    const held = anyOf.find((scope) => {
      const cached = this.#tokens.get(scope);
      return cached !== undefined && now < cached.renewAt;
    });
    if (held !== undefined) return { token: this.#tokens.get(held)!.token, key: held };
    const candidates = anyOf.filter((scope) => !this.#refused.has(scope));
    const tries = candidates.length > 0 ? candidates : anyOf;
    for (let i = 0; ; i++) {
      const key = tries[i]!;
      try {
        return { token: await this.#tokenFor(key), key };
      } catch (err) {
        const refusedScope = err instanceof OneGateError && err.code === 'ERR_API_FORBIDDEN';
        if (!refusedScope || i === tries.length - 1) throw err;
        this.#refused.add(key);
      }
    }
  }

  /** Forget `token` if it is still the cached one for `key` (a newer one is kept). */
  invalidate(key: string, token: string): void {
    if (this.#tokens.get(key)?.token === token) this.#tokens.delete(key);
  }

  async #tokenFor(scope: string): Promise<string> {
    const cached = this.#tokens.get(scope);
    if (cached !== undefined && Date.now() < cached.renewAt) return cached.token;
    let pending = this.#pending.get(scope);
    if (pending === undefined) {
      pending = this.#request(scope).finally(() => this.#pending.delete(scope));
      this.#pending.set(scope, pending);
    }
    return pending;
  }

  async #request(scope: string): Promise<string> {
    const config = await this.#configuration();
    let response: oidc.TokenEndpointResponse;
    try {
      response = await oidc.clientCredentialsGrant(config, { scope });
    } catch (err) {
      throw tokenError(err);
    }
    const lifetimeMs = (response.expires_in ?? UNKNOWN_LIFETIME_S) * 1000;
    const margin = Math.min(RENEW_MARGIN_MS, lifetimeMs / 2);
    this.#tokens.set(scope, { token: response.access_token, renewAt: Date.now() + lifetimeMs - margin });
    this.#refused.delete(scope);
    return response.access_token;
  }

  /** Discovered once; a failed discovery is tried again by the next call. */
  #configuration(): Promise<oidc.Configuration> {
    this.#config ??= this.#discover().catch((err: unknown) => {
      this.#config = undefined;
      throw err;
    });
    return this.#config;
  }

  async #discover(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret, tlsClientAuth, allowInsecureHttp, fetch: custom } = this.#options;
    try {
      return await oidc.discovery(
        issuer,
        clientId,
        undefined,
        tlsClientAuth ? oidc.TlsClientAuth() : oidc.ClientSecretBasic(clientSecret),
        {
          execute: allowInsecureHttp ? [oidc.allowInsecureRequests] : [],
          [oidc.customFetch]: (url: string, init: RequestInit) => custom(url, init),
        },
      );
    } catch (err) {
      throw new OneGateError('ERR_API_UNAVAILABLE', 'OneGate could not be discovered at the issuer URL', {
        cause: safeCause(err),
      });
    }
  }
}

/**
 * The token endpoint's answer as a stable code. Only OneGate's `error` code
 * and status travel in `cause`: never the request, which holds the secret.
 */
function tokenError(err: unknown): OneGateError {
  if (err instanceof oidc.ResponseBodyError) {
    const cause = { status: err.status, error: err.error };
    if (err.error === 'invalid_scope' || err.error === 'unauthorized_client') {
      return new OneGateError('ERR_API_FORBIDDEN', `the token endpoint refused the scope (${err.error})`, {
        cause,
      });
    }
    if (err.status >= 500) {
      return new OneGateError('ERR_API_UNAVAILABLE', 'the token endpoint failed; try again', { cause });
    }
    // Too many failed client authentications: refused for a while, even with the right credentials.
    if (err.status === 429) {
      const retryAfter = Number(err.response.headers.get('retry-after'));
      return new OneGateError('ERR_API_RATE_LIMITED', 'the token endpoint refuses the client for now; wait', {
        cause: { ...cause, ...(Number.isSafeInteger(retryAfter) && retryAfter > 0 ? { retryAfter } : {}) },
      });
    }
    return new OneGateError(
      'ERR_API_UNAUTHORIZED',
      `the token endpoint refused the client (${safeCode(err.error)})`,
      {
        cause,
      },
    );
  }
  // A 401 with a challenge (a wrong secret or certificate): openid-client reads it from WWW-Authenticate.
  if (err instanceof oidc.WWWAuthenticateChallengeError) {
    const error = safeCode(err.cause[0]?.parameters.error);
    return new OneGateError('ERR_API_UNAUTHORIZED', `the token endpoint refused the client (${error})`, {
      cause: { status: err.status, error },
    });
  }
  return new OneGateError('ERR_API_UNAVAILABLE', 'the token endpoint could not be reached', {
    cause: safeCause(err),
  });
}

/** An error's name and code only: messages of lower layers can quote what they were given. */
export function safeCause(err: unknown): { name?: string; code?: string } {
  if (!(err instanceof Error)) return {};
  const code = (err as { code?: unknown }).code;
  const inner = (err.cause as { code?: unknown } | undefined)?.code;
  return {
    name: err.name,
    ...(typeof code === 'string' ? { code } : typeof inner === 'string' ? { code: inner } : {}),
  };
}

/** OAuth and OneGate error codes are short snake_case words; anything else is not repeated. */
export function safeCode(code: unknown): string {
  return typeof code === 'string' && /^[a-z0-9_]{1,64}$/.test(code) ? code : 'unknown';
}
