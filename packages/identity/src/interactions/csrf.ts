import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Context } from 'koa';

/**
 * Form posts carry a token bound to the interaction (HMAC of its uid), and a
 * cross-site `Origin` or `Sec-Fetch-Site` is refused outright: two independent
 * defences, besides the SameSite interaction cookie.
 */
export class CsrfGuard {
  readonly #key: KeyObject;
  readonly #origin: string;

  constructor(key: KeyObject, issuer: string) {
    this.#key = key;
    this.#origin = new URL(issuer).origin;
  }

  token(binding: string): string {
    return createHmac('sha256', this.#key).update(`csrf\0${binding}`).digest('base64url');
  }

  verify(ctx: Context, binding: string, presented: unknown): boolean {
    const site = ctx.get('sec-fetch-site');
    if (site && site !== 'same-origin' && site !== 'none') return false;
    // Our pages say `Referrer-Policy: no-referrer`, under which browsers send `Origin: null` even on
    // a same-origin form post (Fetch, "serializing a request origin"). `null` names no site, so it is
    // not refused here: Sec-Fetch-Site above and the token below decide.
    const origin = ctx.get('origin');
    if (origin && origin !== 'null' && origin !== this.#origin) return false;
    if (typeof presented !== 'string') return false;
    const expected = Buffer.from(this.token(binding));
    const given = Buffer.from(presented);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
