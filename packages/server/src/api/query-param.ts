import type { Context } from 'koa';
import { ServerError } from '../errors.ts';

/** A query parameter given at most once; a repeated one is refused rather than guessed at. */
export function queryParam(ctx: Context, name: string): string | undefined {
  const value = ctx.query[name];
  if (Array.isArray(value)) throw new ServerError('ERR_INVALID_REQUEST', `give ${name} once`);
  return value;
}
