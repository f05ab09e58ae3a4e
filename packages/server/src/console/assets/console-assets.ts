import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Router from '@koa/router';
import { CONSOLE_STYLESHEET } from './console-stylesheet.ts';

const PROVE_IT_SCRIPT = readFileSync(new URL('./prove-it.js', import.meta.url), 'utf8');

const version = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 12);

/** Versioned by content, so each can be cached as immutable. */
export const CONSOLE_STYLESHEET_URL = `/console/assets/console.css?v=${version(CONSOLE_STYLESHEET)}`;
export const PROVE_IT_SCRIPT_URL = `/console/assets/prove-it.js?v=${version(PROVE_IT_SCRIPT)}`;

/** The console's stylesheet and its one script, from OneGate itself (CSP `'self'`; no CDN). */
export function consoleAssetRoutes(): Router {
  const router = new Router();
  for (const [path, type, body] of [
    ['/console/assets/console.css', 'text/css; charset=utf-8', CONSOLE_STYLESHEET],
    ['/console/assets/prove-it.js', 'text/javascript; charset=utf-8', PROVE_IT_SCRIPT],
  ] as const) {
    router.get(path, (ctx) => {
      ctx.type = type;
      ctx.set('cache-control', 'public, max-age=31536000, immutable');
      ctx.set('x-content-type-options', 'nosniff');
      ctx.body = body;
    });
  }
  return router;
}
