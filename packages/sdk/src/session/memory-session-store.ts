import type { AppSession } from '../login/types.ts';
import type { SessionStore } from './session-store.ts';

/**
 * A SessionStore in this process's memory: for development, tests and
 * single-instance apps. Sessions are lost on restart, and a back-channel
 * logout received by one instance does not reach another: use a shared store
 * when the app runs on several instances.
 */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, { session: AppSession; expiresAt: number }>();
  #writes = 0;

  async get(id: string): Promise<AppSession | undefined> {
    const entry = this.#sessions.get(id);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#sessions.delete(id);
      return undefined;
    }
    return entry.session;
  }

  async set(id: string, session: AppSession, ttlSeconds: number): Promise<void> {
    // Sweeping is O(n): once per 1,000 writes keeps it cheap and memory close to the live sessions.
    if (++this.#writes % 1000 === 0) this.#sweep();
    this.#sessions.set(id, { session, expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  async destroy(id: string): Promise<void> {
    this.#sessions.delete(id);
  }

  async destroyWhere(match: { sub?: string; sid?: string }): Promise<void> {
    if (match.sub === undefined && match.sid === undefined) return;
    for (const [id, { session }] of this.#sessions) {
      if (match.sub !== undefined && session.sub !== match.sub) continue;
      if (match.sid !== undefined && session.sid !== match.sid) continue;
      this.#sessions.delete(id);
    }
  }

  /** Drops expired sessions. */
  #sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.#sessions) if (entry.expiresAt <= now) this.#sessions.delete(id);
  }
}
