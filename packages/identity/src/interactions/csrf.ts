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
    const origin = ctx.get('origin');
    if (origin && origin !== this.#origin) return false;
    const site = ctx.get('sec-fetch-site');
    if (site && site !== 'same-origin' && site !== 'none') return false;
    if (typeof presented !== 'string') return false;
    const expected = Buffer.from(this.token(binding));
    const given = Buffer.from(presented);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
