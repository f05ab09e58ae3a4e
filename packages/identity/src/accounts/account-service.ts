import { randomUUID } from 'node:crypto';
import { isStoreError, type Store } from '@onegate/store';
import type { AuditSink } from '../audit/audit-sink.ts';
import { IdentityError } from '../errors.ts';
import type { Authenticator, SignInAttempt, SignInResult } from '../interactions/authenticator.ts';
import {
  assertPasswordPolicy,
  checkPasswordPolicy,
  type PasswordIdentifiers,
  type PasswordPolicyReason,
} from '../passwords/password-policy.ts';
import type { PasswordHasher } from '../passwords/password-hasher.ts';
import type { LoginFailureOutcome, LoginThrottle, ThrottleReason } from '../passwords/login-throttle.ts';
import {
  ACCOUNT_COLUMNS,
  toAccount,
  type Account,
  type AccountRow,
  type DepartmentRole,
  type IdentityAssurance,
} from './account.ts';
import { isValidUsername, parseLoginIdentifier } from './login-identifier.ts';

export interface NewAccount {
  username: string;
  password: string;
  name?: string | undefined;
  phone?: string | undefined;
  email?: string | undefined;
  departments?: DepartmentRole[] | undefined;
  roles?: string[] | undefined;
  identityAssurance?: IdentityAssurance | undefined;
}

export const ACCOUNTS_TOPIC = 'identity.accounts';

/** Why a citizen's own password change was refused; nothing changed. */
export type PasswordChangeError =
  | { code: 'wrong_password' }
  | { code: 'throttled'; reason: ThrottleReason; retryAfterSeconds: number }
  | { code: 'policy'; reasons: PasswordPolicyReason[] };

/** Why setting a first password (on a passkey-only account) was refused; nothing changed. */
export type PasswordSetError = { code: 'has_password' } | { code: 'policy'; reasons: PasswordPolicyReason[] };

export type PasswordResult<E> = { ok: true } | { ok: false; error: E };

/**
 * Citizen and staff accounts: creation under the password policy, sign-in with
 * throttling, constant-cost failures, hash upgrades, and an audit event for
 * every outcome.
 */
export class AccountService implements Authenticator {
  readonly #store: Store;
  readonly #hasher: PasswordHasher;
  readonly #throttle: LoginThrottle;
  readonly #audit: AuditSink;

  constructor(options: { store: Store; hasher: PasswordHasher; throttle: LoginThrottle; audit: AuditSink }) {
    this.#store = options.store;
    this.#hasher = options.hasher;
    this.#throttle = options.throttle;
    this.#audit = options.audit;
  }

  async create(input: NewAccount): Promise<Account> {
    // Every identifier is stored exactly as sign-in will look it up (parseLoginIdentifier).
    const username = input.username.normalize('NFKC').trim().toLowerCase();
    if (!isValidUsername(username) || parseLoginIdentifier(username)?.kind !== 'username') {
      // An all-digit name would be read as a phone number at sign-in, possibly someone else's.
      throw new IdentityError(
        'ERR_ACCOUNT_INVALID',
        'username must be 3 to 64 of a-z, 0-9, dot, dash or underscore, and not look like a phone number',
      );
    }
    const email = identifier(input.email, 'email', 'e-mail address is not valid');
    const phone = identifier(input.phone, 'phone', 'phone number is not valid');
    assertPasswordPolicy(input.password, { username, email, phone });
    const id = randomUUID();
    const now = Date.now();
    try {
      await this.#store.exec(
        `INSERT INTO accounts (id, username, phone, email, name, password_hash, identity_assurance, departments, roles, disabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $10)`,
        [
          id,
          username,
          phone ?? null,
          email ?? null,
          input.name?.trim() || null,
          await this.#hasher.hash(input.password),
          input.identityAssurance ?? 'basic',
          JSON.stringify(input.departments ?? []),
          JSON.stringify(input.roles ?? []),
          now,
        ],
      );
    } catch (err) {
      if (isStoreError(err, 'ERR_STORE_CONFLICT')) {
        throw new IdentityError(
          'ERR_ACCOUNT_EXISTS',
          'an account with this username, phone number or e-mail exists',
        );
      }
      throw err;
    }
    await this.#audit.write({ action: 'account.create', outcome: 'success', actor: 'operator', subject: id });
    return this.get(id);
  }

  async get(id: string): Promise<Account> {
    return toAccount(await this.#row(id));
  }

  async find(id: string): Promise<Account | undefined> {
    const row = await this.#store.maybeOne<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`,
      [id],
    );
    return row ? toAccount(row) : undefined;
  }

  /** By id, username, phone number or e-mail, as an operator types it. */
  async lookup(reference: string): Promise<Account> {
    const byId = await this.find(reference);
    if (byId) return byId;
    const row = await this.#byLogin(reference);
    if (!row) throw new IdentityError('ERR_ACCOUNT_NOT_FOUND', 'no such account');
    return toAccount(row);
  }

  async list(): Promise<Account[]> {
    const rows = await this.#store.query<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY created_at, id`,
    );
    return rows.map(toAccount);
  }

  async setDisabled(id: string, disabled: boolean): Promise<Account> {
    await this.#update(id, 'UPDATE accounts SET disabled = $2, updated_at = $3 WHERE id = $1', [
      disabled ? 1 : 0,
      Date.now(),
    ]);
    await this.#audit.write({
      action: disabled ? 'account.disable' : 'account.enable',
      outcome: 'success',
      actor: 'operator',
      subject: id,
    });
    return this.get(id);
  }

  async resetPassword(id: string, password: string): Promise<void> {
    const account = await this.get(id);
    assertPasswordPolicy(password, identifiersOf(account));
    await this.#update(id, 'UPDATE accounts SET password_hash = $2, updated_at = $3 WHERE id = $1', [
      await this.#hasher.hash(password),
      Date.now(),
    ]);
    await this.#throttle.recordSuccess({ accountKey: id, address: undefined, now: Date.now() });
    await this.#audit.write({
      action: 'account.password_reset',
      outcome: 'success',
      actor: 'operator',
      subject: id,
    });
  }

  /** False for an account that signs in with passkeys only. */
  async hasPassword(id: string): Promise<boolean> {
    const row = await this.#store.maybeOne<{ has: number | bigint }>(
      'SELECT CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END AS has FROM accounts WHERE id = $1',
      [id],
    );
    if (!row) throw new IdentityError('ERR_ACCOUNT_NOT_FOUND', 'no such account');
    return Number(row.has) === 1;
  }

  /**
   * The owner's own change on the account page. The current password is
   * checked as at sign-in, under the same throttle and account key, so this
   * form is no way around the limit on guesses; then the new one must meet
   * the policy. The caller audits the outcome.
   */
  async changePassword(
    id: string,
    input: { current: string; next: string; address: string },
  ): Promise<PasswordResult<PasswordChangeError>> {
    const now = Date.now();
    const row = await this.#row(id);
    const attempt = { accountKey: id, address: input.address, now };
    const gate = await this.#throttle.check(attempt);
    if (!gate.allowed) {
      return {
        ok: false,
        error: { code: 'throttled', reason: gate.reason, retryAfterSeconds: gate.retryAfterSeconds },
      };
    }
    // A passkey-only account has nothing to compare with, yet costs the same verify.
    const valid =
      row.password_hash !== null
        ? await this.#hasher.verify(row.password_hash, input.current)
        : await this.#hasher.verifyDummy(input.current);
    if (!valid) {
      const outcome = await this.#throttle.recordFailure(attempt);
      await this.#auditThrottle(outcome, { subject: id, address: input.address });
      return { ok: false, error: { code: 'wrong_password' } };
    }
    await this.#throttle.recordSuccess(attempt);
    const reasons = checkPasswordPolicy(input.next, identifiersOf(toAccount(row)));
    if (reasons.length > 0) return { ok: false, error: { code: 'policy', reasons } };
    // Only over the hash just verified: a change made meanwhile elsewhere is not overwritten.
    const swapped = await this.#swapHash(id, row.password_hash, await this.#hasher.hash(input.next));
    return swapped ? { ok: true } : { ok: false, error: { code: 'wrong_password' } };
  }

  /** A first password for an account that has none (it signs in with passkeys); the caller audits. */
  async setPassword(id: string, password: string): Promise<PasswordResult<PasswordSetError>> {
    const row = await this.#row(id);
    if (row.password_hash !== null) return { ok: false, error: { code: 'has_password' } };
    const reasons = checkPasswordPolicy(password, identifiersOf(toAccount(row)));
    if (reasons.length > 0) return { ok: false, error: { code: 'policy', reasons } };
    const swapped = await this.#swapHash(id, null, await this.#hasher.hash(password));
    return swapped ? { ok: true } : { ok: false, error: { code: 'has_password' } };
  }

  async signIn(attempt: SignInAttempt): Promise<SignInResult> {
    const now = Date.now();
    const identifier = parseLoginIdentifier(attempt.login);
    const row = identifier ? await this.#byLogin(attempt.login) : undefined;
    // Throttle by account id when the account exists, else by what was typed: unknown names are throttled too.
    const accountKey = row?.id ?? `login:${identifier?.value ?? attempt.login.trim().toLowerCase()}`;
    const audit = { clientId: attempt.clientId, address: attempt.address, subject: row?.id };
    const gate = await this.#throttle.check({ accountKey, address: attempt.address, now });
    if (!gate.allowed) {
      await this.#audit.write({ ...audit, action: 'login', outcome: 'denied', reason: gate.reason });
      return { ok: false, error: { code: 'throttled', retryAfterSeconds: gate.retryAfterSeconds } };
    }
    // Unknown accounts cost one verify too, so timing does not tell which accounts exist.
    const valid =
      row?.password_hash != null
        ? await this.#hasher.verify(row.password_hash, attempt.password)
        : (await this.#hasher.verifyDummy(attempt.password), false);
    if (!valid || !row || row.disabled === 1) {
      const outcome = await this.#throttle.recordFailure({ accountKey, address: attempt.address, now });
      const reason = !row
        ? 'unknown_account'
        : row.disabled === 1 && valid
          ? 'account_disabled'
          : row.password_hash === null
            ? 'no_password'
            : 'wrong_password';
      await this.#audit.write({ ...audit, action: 'login', outcome: 'failure', reason });
      await this.#auditThrottle(outcome, audit);
      return { ok: false, error: { code: 'invalid_credentials' } };
    }
    await this.#throttle.recordSuccess({ accountKey, address: attempt.address, now });
    if (this.#hasher.needsRehash(row.password_hash!)) {
      await this.#store.exec('UPDATE accounts SET password_hash = $2 WHERE id = $1', [
        row.id,
        await this.#hasher.hash(attempt.password),
      ]);
    }
    await this.#audit.write({
      ...audit,
      action: 'login',
      outcome: 'success',
      actor: row.id,
      details: { amr: ['pwd'] },
    });
    return { ok: true, account: toAccount(row) };
  }

  /** The lock or address block a failure caused, each audited once. */
  async #auditThrottle(
    outcome: LoginFailureOutcome,
    audit: { subject: string | undefined; address: string; clientId?: string | undefined },
  ): Promise<void> {
    if (outcome.locked) {
      await this.#audit.write({
        ...audit,
        action: 'account.lock',
        outcome: 'success',
        reason: 'too_many_failures',
      });
    }
    if (outcome.addressBlocked) {
      await this.#audit.write({
        ...audit,
        action: 'address.block',
        outcome: 'success',
        reason: 'too_many_failures',
      });
    }
  }

  async #row(id: string): Promise<AccountRow> {
    const row = await this.#store.maybeOne<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`,
      [id],
    );
    if (!row) throw new IdentityError('ERR_ACCOUNT_NOT_FOUND', 'no such account');
    return row;
  }

  /** Replaces the hash only if it is still `expected` (`null`: no password); false when it was not. */
  async #swapHash(id: string, expected: string | null, next: string): Promise<boolean> {
    return this.#store.transaction(async (tx) => {
      const swapped =
        expected === null
          ? await tx.exec(
              'UPDATE accounts SET password_hash = $2, updated_at = $3 WHERE id = $1 AND password_hash IS NULL',
              [id, next, Date.now()],
            )
          : await tx.exec(
              'UPDATE accounts SET password_hash = $2, updated_at = $3 WHERE id = $1 AND password_hash = $4',
              [id, next, Date.now(), expected],
            );
      if (swapped > 0) await tx.notify(ACCOUNTS_TOPIC, id);
      return swapped > 0;
    });
  }

  async #byLogin(login: string): Promise<AccountRow | undefined> {
    const identifier = parseLoginIdentifier(login);
    if (!identifier) return undefined;
    return this.#store.maybeOne<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE ${identifier.kind} = $1`,
      [identifier.value],
    );
  }

  async #update(id: string, sql: string, values: Array<string | number>): Promise<void> {
    await this.#store.transaction(async (tx) => {
      if ((await tx.exec(sql, [id, ...values])) === 0)
        throw new IdentityError('ERR_ACCOUNT_NOT_FOUND', 'no such account');
      await tx.notify(ACCOUNTS_TOPIC, id);
    });
  }
}

/** What a new password of this account must not contain. */
function identifiersOf(account: Account): PasswordIdentifiers {
  return { username: account.username, email: account.email, phone: account.phone };
}

function identifier(input: string | undefined, kind: 'email' | 'phone', message: string): string | undefined {
  if (input === undefined) return undefined;
  const parsed = parseLoginIdentifier(input);
  if (parsed?.kind !== kind) throw new IdentityError('ERR_ACCOUNT_INVALID', message);
  return parsed.value;
}
