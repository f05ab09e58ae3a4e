import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Context } from 'koa';

/** Why a form post was refused: what the audit event's `reason` says. */
export type CsrfRefusal = 'cross_site' | 'foreign_origin' | 'bad_token';

/**
 * Form posts carry a token bound to the interaction (HMAC of its uid), and a
 * cross-site `Origin` or `Sec-Fetch-Site` is refused outright: two independent
 * defences, besides the SameSite interaction cookie. Each refusal is told to
 * `onRefused` (the audit log, ASVS 16.3.3).
 */
export class CsrfGuard {
  readonly #key: KeyObject;
  readonly #origin: string;
  readonly #onRefused: (ctx: Context, reason: CsrfRefusal) => void;

  constructor(
    key: KeyObject,
    issuer: string,
    onRefused: (ctx: Context, reason: CsrfRefusal) => void = () => {},
  ) {
    this.#key = key;
    this.#origin = new URL(issuer).origin;
    this.#onRefused = onRefused;
  }

  token(binding: string): string {
    return createHmac('sha256', this.#key).update(`csrf\0${binding}`).digest('base64url');
  }

  verify(ctx: Context, binding: string, presented: unknown): boolean {
    const refusal = this.#refusal(ctx, binding, presented);
    if (refusal === undefined) return true;
    this.#onRefused(ctx, refusal);
    return false;
  }

  #refusal(ctx: Context, binding: string, presented: unknown): CsrfRefusal | undefined {
    const site = ctx.get('sec-fetch-site');
    if (site && site !== 'same-origin' && site !== 'none') return 'cross_site';
    // Our pages say `Referrer-Policy: no-referrer`, under which browsers send `Origin: null` even on
    // a same-origin form post (Fetch, "serializing a request origin"). `null` names no site, so it is
    // not refused here: Sec-Fetch-Site above and the token below decide.
    const origin = ctx.get('origin');
    if (origin && origin !== 'null' && origin !== this.#origin) return 'foreign_origin';
    if (typeof presented !== 'string') return 'bad_token';
    const expected = Buffer.from(this.token(binding));
    const given = Buffer.from(presented);
    return given.length === expected.length && timingSafeEqual(given, expected) ? undefined : 'bad_token';
  }
}
