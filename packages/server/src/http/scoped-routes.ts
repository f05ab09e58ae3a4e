import type { Middleware } from 'koa';

/**
 * Runs `chain` only for requests whose path `applies` says is theirs; every
 * other request goes straight on. Routers match each request against each
 * of their routes, so the sign-in and token endpoints, which carry the load,
 * should not pay for the API's, the probes' or the console's routes on the way
 * through. Requests in scope that no route answers go on down the pipeline.
 */
export function scopedRoutes<S>(
  applies: (path: string) => boolean,
  chain: readonly Middleware<S>[],
): Middleware<S> {
  return async (ctx, next) => {
    if (!applies(ctx.path)) {
      await next();
      return;
    }
    let i = 0;
    const step = async (): Promise<void> => {
      const middleware = chain[i++];
      await (middleware ? middleware(ctx, step) : next());
    };
    await step();
  };
}
