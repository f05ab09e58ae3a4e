import { timingSafeEqual, createHash } from 'node:crypto';
import Router from '@koa/router';
import type { Store } from '@onegate/store';
import type { Config } from '../config/settings.ts';
import { ServerError } from '../errors.ts';
import type { RequestState } from '../http/state.ts';
import type { Metrics } from '../metrics.ts';
import type { Lifecycle } from '../lifecycle.ts';

const READY_TIMEOUT_MS = 2000;

/** Every path `healthRoutes` answers. */
export const HEALTH_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * `/healthz`: the process is alive (restart it if not). `/readyz`: send it
 * traffic (the database answers and we are not draining). `/metrics`: Prometheus.
 */
export function healthRoutes(deps: {
  config: Config;
  store: Store;
  metrics: Metrics;
  lifecycle: Lifecycle;
}): Router<RequestState> {
  const router = new Router<RequestState>();

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    if (deps.lifecycle.draining) {
      ctx.status = 503;
      ctx.body = { status: 'draining' };
      return;
    }
    try {
      await withTimeout(deps.store.ping(), READY_TIMEOUT_MS);
      ctx.body = { status: 'ready', database: 'ok' };
    } catch (err) {
      ctx.state.log.warn({ code: (err as { code?: unknown }).code }, 'readiness check failed');
      ctx.status = 503;
      ctx.body = { status: 'not_ready', database: 'unreachable' };
    }
  });

  router.get('/metrics', async (ctx) => {
    if (deps.config.metricsToken && !bearerMatches(ctx.get('authorization'), deps.config.metricsToken)) {
      ctx.set('www-authenticate', 'Bearer realm="metrics"');
      throw new ServerError('ERR_UNAUTHORIZED', 'metrics need the configured bearer token');
    }
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });

  return router;
}

/** Compares digests so neither length nor content leaks through timing. */
function bearerMatches(header: string, token: string): boolean {
  const presented = /^Bearer (\S+)$/i.exec(header)?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
