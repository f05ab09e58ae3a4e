import { randomBytes } from 'node:crypto';
import { OneGateError } from '../errors.ts';
import type { AppSession } from '../login/types.ts';
import type { CookieCrypto } from './cookie-crypto.ts';
import type { Revocations } from './revocations.ts';
import type { SessionStore } from './session-store.ts';

/** Browsers keep a cookie only if its name and value fit in 4096 bytes (RFC 6265 §6.1 minimum). */
const COOKIE_LIMIT = 4096;

/** What the session cookie holds: the whole session, or the id of a session in the store. */
type Sealed = { v: 'session'; session: AppSession; createdAt: number } | { v: 'store'; id: string };

/**
 * The app's sessions: sealed in the session cookie by default, or in a
 * SessionStore with only a random id in the cookie. Cookie sessions that a
 * back-channel logout ended are refused through `revocations`.
 */
export class Sessions {
  readonly #crypto: CookieCrypto;
  readonly #store: SessionStore | undefined;
  readonly #revocations: Revocations;
  readonly #cookieName: string;

  constructor(options: {
    crypto: CookieCrypto;
    store: SessionStore | undefined;
    revocations: Revocations;
    cookieName: string;
  }) {
    this.#crypto = options.crypto;
    this.#store = options.store;
    this.#revocations = options.revocations;
    this.#cookieName = options.cookieName;
  }

  /** True when sessions live in the cookie, so `loadSync` can answer without I/O. */
  get inCookie(): boolean {
    return this.#store === undefined;
  }

  /** The session behind a cookie value, if it opens, has not expired and was not logged out. */
  async load(cookie: string | undefined, now = Date.now()): Promise<AppSession | undefined> {
    const sealed = this.#open(cookie);
    if (sealed === undefined) return undefined;
    if (sealed.v === 'session') return this.#live(sealed, now);
    if (this.#store === undefined) return undefined;
    const session = await this.#store.get(sealed.id);
    return session !== undefined && session.expiresAt > now ? session : undefined;
  }

  /** `load` for cookie sessions, without I/O; undefined for store sessions. */
  loadSync(cookie: string | undefined, now = Date.now()): AppSession | undefined {
    const sealed = this.#open(cookie);
    return sealed?.v === 'session' ? this.#live(sealed, now) : undefined;
  }

  /**
   * Stores a new session; returns the cookie value to set.
   * @throws OneGateError `ERR_SESSION_TOO_LARGE` when a cookie session would not fit in a cookie.
   */
  async create(session: AppSession, now = Date.now()): Promise<string> {
    if (this.#store === undefined) {
      const value = this.#crypto.seal(this.#cookieName, {
        v: 'session',
        session,
        createdAt: now,
      } satisfies Sealed);
      if (this.#cookieName.length + 1 + value.length > COOKIE_LIMIT) {
        throw new OneGateError(
          'ERR_SESSION_TOO_LARGE',
          'the session does not fit in a 4 KB cookie: give createLogin a sessionStore, or ask for fewer scopes',
        );
      }
      return value;
    }
    const id = randomBytes(32).toString('base64url');
    await this.#store.set(id, session, Math.max(1, Math.ceil((session.expiresAt - now) / 1000)));
    return this.#crypto.seal(this.#cookieName, { v: 'store', id } satisfies Sealed);
  }

  /** Ends the session behind a cookie value (the caller clears the cookie). */
  async destroy(cookie: string | undefined): Promise<void> {
    const sealed = this.#open(cookie);
    if (sealed?.v === 'store') await this.#store?.destroy(sealed.id);
  }

  /** Ends the sessions a back-channel logout names; a sub-only one, those created before `beforeMs`. */
  async logout(match: { sub?: string; sid?: string }, beforeMs: number): Promise<void> {
    if (this.#store !== undefined) {
      await this.#store.destroyWhere(match);
      return;
    }
    if (match.sid !== undefined) this.#revocations.revokeSid(match.sid);
    else if (match.sub !== undefined) this.#revocations.revokeSub(match.sub, beforeMs);
  }

  #open(cookie: string | undefined): Sealed | undefined {
    if (cookie === undefined || cookie.length > COOKIE_LIMIT) return undefined;
    const value = this.#crypto.open(this.#cookieName, cookie);
    return isSealed(value) ? value : undefined;
  }

  #live(sealed: Extract<Sealed, { v: 'session' }>, now: number): AppSession | undefined {
    const { session, createdAt } = sealed;
    if (session.expiresAt <= now) return undefined;
    const { sid, sub } = session;
    return this.#revocations.isRevoked({ ...(sid === undefined ? {} : { sid }), sub, createdAt }, now)
      ? undefined
      : session;
  }
}

/** Our own sealed data (the key proves it), but checked in shape anyway: a format change must not crash. */
function isSealed(value: unknown): value is Sealed {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v['v'] === 'store') return typeof v['id'] === 'string';
  if (v['v'] !== 'session' || typeof v['createdAt'] !== 'number') return false;
  const s = v['session'] as Record<string, unknown> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s['sub'] === 'string' &&
    typeof s['idToken'] === 'string' &&
    typeof s['expiresAt'] === 'number'
  );
}
