import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type Router from '@koa/router';

/** The WebAuthn helper library's browser bundle, from our own origin (no CDN). Not in its exports map. */
const WEBAUTHN_BUNDLE = readFileSync(
  join(
    dirname(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser'))),
    'dist/bundle/index.umd.min.js',
  ),
  'utf8',
);
const PASSKEYS_SCRIPT = readFileSync(new URL('../../assets/passkeys.js', import.meta.url), 'utf8');

export const WEBAUTHN_SCRIPT_PATH = '/assets/webauthn.js';
export const PASSKEYS_SCRIPT_PATH = '/assets/passkeys.js';

/** Scripts for the passkey ceremonies; every page that uses them loads only these. */
export function addScriptRoutes(router: Router): void {
  for (const [path, body] of [
    [WEBAUTHN_SCRIPT_PATH, WEBAUTHN_BUNDLE],
    [PASSKEYS_SCRIPT_PATH, PASSKEYS_SCRIPT],
  ] as const) {
    router.get(path, (ctx) => {
      ctx.type = 'text/javascript; charset=utf-8';
      ctx.set('cache-control', 'public, max-age=3600');
      ctx.body = body;
    });
  }
}
