import type { Middleware } from 'koa';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { RequestState } from './state.ts';

/**
 * One log line and one histogram sample per request. The path is logged
 * without its query string: personal data must never travel there, but if a
 * client puts it there anyway it must not land in our logs.
 */
export function accessLog(metrics: Metrics, logger: Logger): Middleware<RequestState> {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
      metrics.httpDuration.observe(
        {
          method: ctx.method,
          route: typeof route === 'string' ? route : 'unmatched',
          status: String(ctx.status),
        },
        seconds,
      );
      // The level is checked on the root logger: asking the request's would make its child for nothing.
      if (logger.isLevelEnabled('info')) {
        ctx.state.log.info(
          {
            method: ctx.method,
            path: ctx.path,
            status: ctx.status,
            ms: Math.round(seconds * 1e4) / 10,
            ip: ctx.ip,
          },
          'request',
        );
      }
    }
  };
}
