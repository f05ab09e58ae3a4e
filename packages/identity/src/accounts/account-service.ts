import { randomUUID } from 'node:crypto';
import { isStoreError, type Store } from '@onegate/store';
import type { AuditSink } from '../audit/audit-sink.ts';
import { IdentityError } from '../errors.ts';
import type { Authenticator, SignInAttempt, SignInResult } from '../interactions/authenticator.ts';
import { assertPasswordPolicy } from '../passwords/password-policy.ts';
import type { PasswordHasher } from '../passwords/password-hasher.ts';
import type { LoginThrottle } from '../passwords/login-throttle.ts';
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
    const row = await this.#store.maybeOne<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`,
      [id],
    );
    if (!row) throw new IdentityError('ERR_ACCOUNT_NOT_FOUND', 'no such account');
    return toAccount(row);
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
    assertPasswordPolicy(password, {
      username: account.username,
      email: account.email,
      phone: account.phone,
    });
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
      const { locked, addressBlocked } = await this.#throttle.recordFailure({
        accountKey,
        address: attempt.address,
        now,
      });
      const reason = !row
        ? 'unknown_account'
        : row.disabled === 1 && valid
          ? 'account_disabled'
          : 'wrong_password';
      await this.#audit.write({ ...audit, action: 'login', outcome: 'failure', reason });
      if (locked)
        await this.#audit.write({
          ...audit,
          action: 'account.lock',
          outcome: 'success',
          reason: 'too_many_failures',
        });
      if (addressBlocked) {
        await this.#audit.write({
          ...audit,
          action: 'address.block',
          outcome: 'success',
          reason: 'too_many_failures',
        });
      }
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

function identifier(input: string | undefined, kind: 'email' | 'phone', message: string): string | undefined {
  if (input === undefined) return undefined;
  const parsed = parseLoginIdentifier(input);
  if (parsed?.kind !== kind) throw new IdentityError('ERR_ACCOUNT_INVALID', message);
  return parsed.value;
}
