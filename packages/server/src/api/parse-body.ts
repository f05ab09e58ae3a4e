import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import type { z } from 'zod';
import { ServerError } from '../errors.ts';

/** Validates a JSON body against a schema; the error names the field, never the value. */
export function parseBody<S extends z.ZodType>(ctx: Context, schema: S): z.output<S> {
  const result = schema.safeParse((ctx.request as { body?: unknown }).body ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
  throw new ServerError('ERR_INVALID_REQUEST', problems.join('; '));
}

/**
 * JSON bodies up to 64 KiB (or `limit`) on POST, PUT and PATCH (or on
 * `methods`); anything else is a clear 400, never a 500.
 */
export function jsonBody(options: { limit?: string; methods?: string[] } = {}): Middleware {
  return bodyParser({
    enableTypes: ['json'],
    jsonLimit: options.limit ?? '64kb',
    parsedMethods: options.methods ?? ['POST', 'PUT', 'PATCH'],
    onError: () => {
      throw new ServerError('ERR_INVALID_REQUEST', 'the body is not valid JSON or is too large');
    },
  }) as Middleware;
}

/** URL-encoded form bodies up to `limit` (the console's forms); anything unparsable is a 400. */
export function formBody(limit: string): Middleware {
  return bodyParser({
    enableTypes: ['form'],
    formLimit: limit,
    onError: (err) => {
      if ((err as { status?: unknown }).status === 413) throw err;
      throw new ServerError('ERR_INVALID_REQUEST', 'the form could not be parsed');
    },
  }) as Middleware;
}
