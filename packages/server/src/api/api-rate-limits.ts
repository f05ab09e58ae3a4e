import type { Context, Middleware } from 'koa';
import type { ComponentAuditSink } from '@onegate/audit';
import type { PlatformCaller } from '@onegate/identity';
import { ServerError } from '../errors.ts';
import { MinuteCounts } from '../http/minute-counts.ts';
import type { RequestState } from '../http/state.ts';

export interface ApiRateLimitOptions {
  /** Requests one app may make to /api/v1 per minute, once its token is verified. */
  requestsPerMinute: number;
  /** Of those, requests to the administration routes (scope `admin` or `authz:admin`). */
  adminRequestsPerMinute: number;
}

type ApiLimit = 'requests_per_minute' | 'admin_requests_per_minute';

/** Scopes whose routes change who may do what: far fewer calls are normal there. */
const ADMIN_SCOPES = new Set(['admin', 'authz:admin']);

/** Set on every /api request by `apiRateLimits`; `requireScope` calls it once the caller is known. */
export type ApiGuard = (ctx: Context, caller: PlatformCaller, scopes: readonly string[]) => Promise<void>;

export interface ApiGuardState {
  apiGuard?: ApiGuard;
}

/**
 * Every authenticated platform API call counts against its app's minute
 * (ASVS 2.4.1): a stolen or runaway client is stopped with 429 and
 * `Retry-After`, and the first refusal of each limit in a minute is audited
 * (`onegate.api_denied`, reason `rate_limited`), the rest only answered.
 * The busier limits of their own (decrypts, blind indexes, audit reads,
 * failed client authentication) still apply within these. In memory, per
 * instance.
 */
export function apiRateLimits(
  options: ApiRateLimitOptions,
  audit: ComponentAuditSink,
  clock: () => number = Date.now,
): Middleware<RequestState & ApiGuardState> {
  const counts = new MinuteCounts<ApiLimit>(clock);
  const guard: ApiGuard = async (ctx, caller, scopes) => {
    const admin = scopes.length > 0 && scopes.every((scope) => ADMIN_SCOPES.has(scope));
    // The smaller allowance first: a call it refuses takes nothing from the other.
    const refused =
      (admin
        ? counts.take(caller.clientId, 'admin_requests_per_minute', options.adminRequestsPerMinute)
        : undefined) ?? counts.take(caller.clientId, 'requests_per_minute', options.requestsPerMinute);
    if (!refused) return;
    if (refused.first) {
      await audit.write({
        action: 'onegate.api_denied',
        outcome: 'denied',
        reason: 'rate_limited',
        actor: caller.accountId ?? caller.clientId,
        clientId: caller.clientId,
        address: ctx.ip,
        details: {
          method: ctx.method,
          path: ctx.path,
          limit: refused.limit,
          retry_after_seconds: refused.retryAfterSeconds,
        },
      });
    }
    const per =
      refused.limit === 'requests_per_minute'
        ? `${options.requestsPerMinute} API requests`
        : `${options.adminRequestsPerMinute} administration requests`;
    throw new ServerError('ERR_RATE_LIMITED', `this app may make at most ${per} a minute`, {
      retryAfterSeconds: refused.retryAfterSeconds,
    });
  };
  return async (ctx, next) => {
    ctx.state.apiGuard = guard;
    await next();
  };
}
