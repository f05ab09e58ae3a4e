import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';

/** A body that will not parse, or is too large, is the caller's mistake: a clear 400 or 413, never a 500. */
function refuse(err: Error, ctx: Context): never {
  const status = (err as { status?: unknown }).status;
  ctx.throw(
    status === 413 ? 413 : 400,
    status === 413 ? 'the body is too large' : 'the body could not be parsed',
  );
}

/** JSON bodies up to `limit` (the WebAuthn answers the pages' scripts post). */
export function jsonBody(limit: string): Middleware {
  return bodyParser({ enableTypes: ['json'], jsonLimit: limit, onError: refuse }) as Middleware;
}

/** URL-encoded form bodies up to `limit` (the pages' forms). */
export function formBody(limit: string): Middleware {
  return bodyParser({ enableTypes: ['form'], formLimit: limit, onError: refuse }) as Middleware;
}
