import type { AppSession } from '../login/types.ts';

/**
 * Where sessions live when they should not live in the browser's cookie:
 * then the cookie carries only a random session id. Use a shared store (Redis,
 * a database) when the app runs on more than one instance, so a back-channel
 * logout received by one instance ends the session on all of them.
 */
export interface SessionStore {
  /** The session stored under `id`, or undefined (unknown or expired). */
  get(id: string): Promise<AppSession | undefined>;
  /** Stores (or replaces) a session; the store may forget it after `ttlSeconds`. */
  set(id: string, session: AppSession, ttlSeconds: number): Promise<void>;
  /** Forgets one session. */
  destroy(id: string): Promise<void>;
  /**
   * Forgets every session whose `sid` equals `match.sid` and/or whose `sub`
   * equals `match.sub` (both given: both must match). Called on back-channel
   * logout.
   */
  destroyWhere(match: { sub?: string; sid?: string }): Promise<void>;
}
