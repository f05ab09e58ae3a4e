import type { MigrationSet, Store } from '@onegate/store';

export const loginProgressMigrations: MigrationSet = {
  owner: 'identity-login-progress',
  migrations: [
    {
      version: 1,
      name: 'login progress between factors',
      up: `CREATE TABLE identity_login_progress (
  uid TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);`,
    },
    {
      version: 2,
      name: 'login progress stages',
      up: "ALTER TABLE identity_login_progress ADD COLUMN stage TEXT NOT NULL DEFAULT 'second_factor';",
    },
  ],
};

/**
 * What the verified password leads to: the second factor, or first a new
 * password in place of an operator's temporary one. A step answers only at
 * its own stage, so posting to the second factor cannot skip the new password.
 */
export type LoginStage = 'second_factor' | 'new_password';

/** The next step must follow the password within this time. */
const PROGRESS_TTL_MS = 5 * 60_000;

/**
 * Which account passed its password in which interaction, while the second
 * factor is asked. Bound to the interaction uid (itself bound to the browser's
 * interaction cookie), kept in the store so any instance can take the next step.
 */
export class LoginProgress {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async passwordVerified(
    uid: string,
    accountId: string,
    stage: LoginStage = 'second_factor',
    now = Date.now(),
  ): Promise<void> {
    await this.#store.exec(
      `INSERT INTO identity_login_progress (uid, account_id, expires_at, stage) VALUES ($1, $2, $3, $4)
       ON CONFLICT (uid) DO UPDATE SET account_id = excluded.account_id, expires_at = excluded.expires_at,
         stage = excluded.stage`,
      [uid, accountId, now + PROGRESS_TTL_MS, stage],
    );
  }

  /** The account whose password was verified in this interaction, if still fresh and at `stage`. */
  async accountFor(
    uid: string,
    stage: LoginStage = 'second_factor',
    now = Date.now(),
  ): Promise<string | undefined> {
    const row = await this.#store.maybeOne<{ account_id: string }>(
      'SELECT account_id FROM identity_login_progress WHERE uid = $1 AND stage = $2 AND expires_at > $3',
      [uid, stage, now],
    );
    return row?.account_id;
  }

  async done(uid: string, now = Date.now()): Promise<void> {
    await this.#store.exec('DELETE FROM identity_login_progress WHERE uid = $1 OR expires_at <= $2', [
      uid,
      now,
    ]);
  }
}
