import type Provider from 'oidc-provider';
import type { MigrationSet, Store } from '@onegate/store';
import type { BackchannelRetries } from '../provider/backchannel-retries.ts';
import { deleteSession, type SessionPayload } from './end-account-sessions.ts';

export const sessionDeviceMigrations: MigrationSet = {
  owner: 'identity-sessions',
  migrations: [
    {
      version: 1,
      name: 'where each sign-on session was made',
      up: `CREATE TABLE identity_session_devices (
  uid TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  user_agent TEXT,
  address TEXT,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL
);
CREATE INDEX identity_session_devices_account ON identity_session_devices (account_id);`,
    },
  ],
};

export interface ActiveSession {
  uid: string;
  userAgent: string | undefined;
  address: string | undefined;
  createdAt: number;
  lastSeenAt: number;
  /** Client ids of the apps signed in through this session. */
  clientIds: string[];
}

/** Only this often is "last seen" written, so a busy session does not write on every request. */
const SEEN_EVERY_MS = 60_000;

/**
 * A citizen's sign-on sessions as the account page shows them: device and
 * address recorded when OneGate sees the session, the apps from the session
 * itself. Signing a session out deletes it and tells each of its apps by
 * back-channel logout (queued for retry if an app is down).
 */
export class AccountSessions {
  readonly #store: Store;
  readonly #provider: () => Provider;
  readonly #retries: BackchannelRetries;

  constructor(options: { store: Store; provider: () => Provider; retries: BackchannelRetries }) {
    this.#store = options.store;
    this.#provider = options.provider;
    this.#retries = options.retries;
  }

  async seen(
    uid: string,
    accountId: string,
    userAgent: string,
    address: string,
    now = Date.now(),
  ): Promise<void> {
    await this.#store.exec(
      `INSERT INTO identity_session_devices (uid, account_id, user_agent, address, created_at, last_seen_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (uid) DO UPDATE SET last_seen_at = excluded.last_seen_at, address = excluded.address,
         user_agent = excluded.user_agent
       WHERE identity_session_devices.last_seen_at < $6`,
      [uid, accountId, userAgent.slice(0, 200) || null, address || null, now, now - SEEN_EVERY_MS],
    );
  }

  async list(accountId: string, now = Date.now()): Promise<ActiveSession[]> {
    const rows = await this.#store.query<{
      uid: string;
      user_agent: string | null;
      address: string | null;
      created_at: number;
      last_seen_at: number;
      payload: string;
    }>(
      `SELECT d.uid, d.user_agent, d.address, d.created_at, d.last_seen_at, p.payload
       FROM identity_session_devices d
       JOIN oidc_payloads p ON p.model = 'Session' AND p.uid = d.uid
       WHERE d.account_id = $1 AND (p.expires_at IS NULL OR p.expires_at > $2)
       ORDER BY d.last_seen_at DESC`,
      [accountId, now],
    );
    return rows
      .map((row) => ({ row, payload: JSON.parse(row.payload) as SessionPayload }))
      .filter(({ payload }) => payload.accountId === accountId)
      .map(({ row, payload }) => ({
        uid: row.uid,
        userAgent: row.user_agent ?? undefined,
        address: row.address ?? undefined,
        createdAt: Number(row.created_at),
        lastSeenAt: Number(row.last_seen_at),
        clientIds: Object.keys(payload.authorizations ?? {}),
      }));
  }

  /** Ends one session of this account (none of anyone else's); returns the apps told. */
  async signOut(accountId: string, uid: string): Promise<string[]> {
    const row = await this.#store.maybeOne<{ payload: string }>(
      "SELECT payload FROM oidc_payloads WHERE model = 'Session' AND uid = $1",
      [uid],
    );
    const payload = row ? (JSON.parse(row.payload) as SessionPayload) : undefined;
    if (!payload || payload.accountId !== accountId) return [];
    // What the session's sign-in bought ends with it, as with a logout at an app.
    await deleteSession(this.#store, uid, payload);
    const told: string[] = [];
    for (const [clientId, { sid }] of Object.entries(payload.authorizations ?? {})) {
      const client = await this.#provider().Client.find(clientId);
      if (!client?.backchannelLogoutUri) continue;
      told.push(clientId);
      await this.#retries.deliverNow(clientId, accountId, sid);
    }
    return told;
  }

  /**
   * Ends every session of the account except `keepUid` (the one asking): what
   * the account page offers after a sign-in method changed (ASVS 7.4.3).
   */
  async signOutOthers(accountId: string, keepUid: string): Promise<{ sessions: number; apps: string[] }> {
    const others = (await this.list(accountId)).filter((session) => session.uid !== keepUid);
    const apps: string[] = [];
    for (const session of others) apps.push(...(await this.signOut(accountId, session.uid)));
    return { sessions: others.length, apps };
  }

  async signOutEverywhere(accountId: string): Promise<string[]> {
    const told: string[] = [];
    for (const session of await this.list(accountId))
      told.push(...(await this.signOut(accountId, session.uid)));
    return told;
  }
}
