import type { Queryable, Store } from '@onegate/store';
import { IdentityError } from '../errors.ts';
import type { Passkeys } from '../second-factors/passkeys.ts';
import { ACCOUNTS_TOPIC } from './account-service.ts';

/**
 * The ways an account can sign in on its own: its password, if it has one,
 * and each of its passkeys. An authenticator app and recovery codes only ever
 * follow a password, so they are not counted. The one rule lives here: no
 * change may leave an account without any, since its owner could then only
 * get back in through an operator.
 */
export class SignInMethods {
  readonly #store: Store;
  readonly #passkeys: Passkeys;

  constructor(options: { store: Store; passkeys: Passkeys }) {
    this.#store = options.store;
    this.#passkeys = options.passkeys;
  }

  count(accountId: string): Promise<number> {
    return countSignInMethods(this.#store, accountId);
  }

  /** Makes the account passkey-only; false when it had no password. Throws `ERR_LAST_SIGN_IN_METHOD`. */
  async removePassword(accountId: string): Promise<boolean> {
    return this.#keepingOne(accountId, async (tx) => {
      const removed = await tx.exec(
        `UPDATE accounts SET password_hash = NULL, password_expires_at = NULL, updated_at = $2
         WHERE id = $1 AND password_hash IS NOT NULL`,
        [accountId, Date.now()],
      );
      if (removed > 0) await tx.notify(ACCOUNTS_TOPIC, accountId);
      return removed > 0;
    });
  }

  /** Throws `ERR_PASSKEY_NOT_FOUND`, or `ERR_LAST_SIGN_IN_METHOD` for the only way left in. */
  async removePasskey(accountId: string, credentialId: string): Promise<void> {
    await this.#keepingOne(accountId, (tx) => this.#passkeys.remove(accountId, credentialId, tx));
  }

  /**
   * Runs `remove` and keeps its effect only if the account can still sign in
   * afterwards. The account row is locked first, so two removals at once (two
   * tabs, one taking the password and one the last passkey) are decided one
   * after the other and cannot both pass.
   */
  async #keepingOne<T>(accountId: string, remove: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#store.transaction(async (tx) => {
      // The no-op update takes PostgreSQL's row lock; SQLite's BEGIN IMMEDIATE already serializes writers.
      const found = await tx.exec('UPDATE accounts SET updated_at = updated_at WHERE id = $1', [accountId]);
      if (found === 0) throw new IdentityError('ERR_ACCOUNT_NOT_FOUND', 'no such account');
      const result = await remove(tx);
      // Throwing rolls the removal back.
      if ((await countSignInMethods(tx, accountId)) === 0) {
        throw new IdentityError(
          'ERR_LAST_SIGN_IN_METHOD',
          'this is the only way left to sign in to the account; add another first',
        );
      }
      return result;
    });
  }
}

async function countSignInMethods(db: Queryable, accountId: string): Promise<number> {
  const row = await db.one<{ n: number | bigint }>(
    `SELECT (SELECT COUNT(*) FROM accounts WHERE id = $1 AND password_hash IS NOT NULL)
          + (SELECT COUNT(*) FROM identity_passkeys WHERE account_id = $1) AS n`,
    [accountId],
  );
  return Number(row.n);
}
