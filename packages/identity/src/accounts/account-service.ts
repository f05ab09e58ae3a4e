import { randomUUID } from 'node:crypto';
import { validateResidentId, type Keyring } from '@onegate/privacy';
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
import {
  AccountFields,
  IDENTIFIERS,
  type IdentifierKind,
  type PersonalDataChange,
} from './account-fields.ts';
import { isValidUsername, parseLoginIdentifier } from './login-identifier.ts';
import { sealPlaintextAccounts } from './seal-plaintext-accounts.ts';
import { endAccountSessions } from '../account/end-account-sessions.ts';

export interface NewAccount {
  username: string;
  password: string;
  name?: string | undefined;
  phone?: string | undefined;
  email?: string | undefined;
  /** Resident identity card number (GB 11643); lower-case `x`, spaces and full-width digits are accepted. */
  idNumber?: string | undefined;
  departments?: DepartmentRole[] | undefined;
  roles?: string[] | undefined;
  identityAssurance?: IdentityAssurance | undefined;
  /**
   * The password is one an operator chose (the CLI, the admin API): it works
   * for `TEMPORARY_PASSWORD_TTL_MS` and only to choose a new one at the first
   * sign-in (ASVS 6.4.1).
   */
  temporaryPassword?: boolean | undefined;
}

/** How long a password an operator set works, for its one use: choosing the person's own. */
export const TEMPORARY_PASSWORD_TTL_MS = 24 * 3_600_000;

/** A change of personal data by an operator: a value sets, `null` removes, absent leaves as it is. */
export interface AccountUpdate {
  name?: string | null | undefined;
  phone?: string | null | undefined;
  email?: string | null | undefined;
  idNumber?: string | null | undefined;
}

export const ACCOUNTS_TOPIC = 'identity.accounts';

const EXISTS_MESSAGE = 'an account with this username, phone number, e-mail address or ID number exists';

/** A row and its opened personal data. */
interface Found {
  row: AccountRow;
  account: Account;
}

/** Why a citizen's own password change was refused; nothing changed. */
export type PasswordChangeError =
  | { code: 'wrong_password' }
  | { code: 'throttled'; reason: ThrottleReason; retryAfterSeconds: number }
  | { code: 'policy'; reasons: PasswordPolicyReason[] };

/** Why setting a first password (on a passkey-only account) was refused; nothing changed. */
export type PasswordSetError = { code: 'has_password' } | { code: 'policy'; reasons: PasswordPolicyReason[] };

export type TemporaryPasswordError =
  { code: 'not_temporary' } | { code: 'same' } | { code: 'policy'; reasons: PasswordPolicyReason[] };

export type PasswordResult<E> = { ok: true } | { ok: false; error: E };

/**
 * Citizen and staff accounts: creation under the password policy, sign-in with
 * throttling, constant-cost failures, hash upgrades, and an audit event for
 * every outcome. Name, phone number, e-mail address and ID number are stored
 * sealed under the keyring (see `AccountFields`); sign-in and duplicate
 * checks find them through their blind indexes.
 */
export class AccountService implements Authenticator {
  readonly #store: Store;
  readonly #backchannelUriOf: (clientId: string) => Promise<string | undefined>;
  readonly #hasher: PasswordHasher;
  readonly #throttle: LoginThrottle;
  readonly #audit: AuditSink;
  readonly #fields: AccountFields;

  constructor(options: {
    store: Store;
    hasher: PasswordHasher;
    throttle: LoginThrottle;
    audit: AuditSink;
    keyring: Keyring;
    /** An app's back-channel logout URI, so disabling an account tells its apps; none when unknown. */
    backchannelUriOf?: (clientId: string) => Promise<string | undefined>;
  }) {
    this.#backchannelUriOf = options.backchannelUriOf ?? (async () => undefined);
    this.#store = options.store;
    this.#hasher = options.hasher;
    this.#throttle = options.throttle;
    this.#audit = options.audit;
    this.#fields = new AccountFields(options.keyring);
  }

  /**
   * Seals the personal data of rows written before it was sealed (database
   * schema before identity-accounts 2); returns how many rows. Identity runs
   * it at start. A value that clashes with another account's is sealed
   * without its index and reported to `onError`.
   */
  sealPlaintextRows(onError: (err: unknown) => void): Promise<number> {
    return sealPlaintextAccounts(this.#store, this.#fields, onError);
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
    const idNumber = residentId(input.idNumber);
    assertPasswordPolicy(input.password, { username, email, phone });
    const id = randomUUID();
    const now = Date.now();
    await this.#assertUnused({ phone, email, idNumber });
    const sealed = await this.#fields.seal(id, {
      name: input.name?.trim() || null,
      phone: phone ?? null,
      email: email ?? null,
      idNumber: idNumber ?? null,
    });
    const passwordHash = await this.#hasher.hash(input.password);
    await this.#conflictIsExists(
      this.#store.exec(
        `INSERT INTO accounts (id, username, name, phone, phone_index, email, email_index, id_number, id_number_index,
           password_hash, identity_assurance, departments, roles, disabled, fields_sealed, created_at, updated_at,
           password_expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, 1, $14, $14, $15)`,
        [
          id,
          username,
          ...sealedValues(sealed),
          passwordHash,
          input.identityAssurance ?? 'basic',
          JSON.stringify(input.departments ?? []),
          JSON.stringify(input.roles ?? []),
          now,
          input.temporaryPassword ? now + TEMPORARY_PASSWORD_TTL_MS : null,
        ],
      ),
    );
    await this.#audit.write({ action: 'account.create', outcome: 'success', actor: 'operator', subject: id });
    return this.get(id);
  }

  /**
   * An operator's change of name, phone number, e-mail address or ID number.
   * Every personal value of the row is sealed again (so a row still in
   * plaintext is sealed whole); the audit event names the fields, never the
   * values.
   */
  async update(id: string, input: AccountUpdate): Promise<Account> {
    const change: PersonalDataChange = {};
    if (input.name !== undefined) change.name = input.name === null ? null : input.name.trim() || null;
    if (input.phone !== undefined) {
      change.phone =
        input.phone === null ? null : identifier(input.phone, 'phone', 'phone number is not valid')!;
    }
    if (input.email !== undefined) {
      change.email =
        input.email === null ? null : identifier(input.email, 'email', 'e-mail address is not valid')!;
    }
    if (input.idNumber !== undefined) {
      change.idNumber = input.idNumber === null ? null : residentId(input.idNumber)!;
    }
    const current = await this.get(id);
    const changed = (Object.keys(change) as Array<keyof PersonalDataChange>).filter(
      (field) => (change[field] ?? undefined) !== current[field],
    );
    if (changed.length === 0) return current;
    await this.#assertUnused(
      {
        phone: change.phone ?? undefined,
        email: change.email ?? undefined,
        idNumber: change.idNumber ?? undefined,
      },
      id,
    );
    const merged: PersonalDataChange = {
      name: current.name ?? null,
      phone: current.phone ?? null,
      email: current.email ?? null,
      idNumber: current.idNumber ?? null,
      ...change,
    };
    const sealed = await this.#fields.seal(id, merged);
    await this.#conflictIsExists(
      this.#update(
        id,
        `UPDATE accounts SET name = $2, phone = $3, phone_index = $4, email = $5, email_index = $6,
           id_number = $7, id_number_index = $8, fields_sealed = 1, updated_at = $9 WHERE id = $1`,
        [...sealedValues(sealed), Date.now()],
      ),
    );
    await this.#audit.write({
      action: 'account.update',
      outcome: 'success',
      actor: 'operator',
      subject: id,
      details: { fields: changed },
    });
    return this.get(id);
  }

  async get(id: string): Promise<Account> {
    return this.#toAccount(await this.#row(id));
  }

  async find(id: string): Promise<Account | undefined> {
    const row = await this.#store.maybeOne<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`,
      [id],
    );
    return row ? this.#toAccount(row) : undefined;
  }

  /** By id, username, phone number, e-mail or ID number, as an operator types it. */
  async lookup(reference: string): Promise<Account> {
    const byId = await this.find(reference);
    if (byId) return byId;
    const residentId = validateResidentId(reference, { lenient: true });
    const found = residentId.valid
      ? await this.#findBy('idNumber', residentId.normalized)
      : (await this.#byLogin(reference)).found;
    if (!found) throw new IdentityError('ERR_ACCOUNT_NOT_FOUND', 'no such account');
    return found.account;
  }

  async list(): Promise<Account[]> {
    const rows = await this.#store.query<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY created_at, id`,
    );
    const accounts: Account[] = [];
    for (const row of rows) accounts.push(await this.#toAccount(row));
    return accounts;
  }

  /**
   * An operator ends every session of the account (a lost phone, a suspected
   * takeover; ASVS 7.4.5): the same as disabling does, without disabling.
   * Returns how many sessions ended.
   */
  async signOutEverywhere(id: string): Promise<number> {
    await this.#row(id);
    const sessionsEnded = await endAccountSessions(this.#store, id, this.#backchannelUriOf);
    await this.#audit.write({
      action: 'account.sign_out_everywhere',
      outcome: 'success',
      actor: 'operator',
      subject: id,
      details: { sessionsEnded },
    });
    return sessionsEnded;
  }

  /** Disabling also ends every session of the account, and tells its apps by back-channel logout. */
  async setDisabled(id: string, disabled: boolean): Promise<Account> {
    await this.#update(id, 'UPDATE accounts SET disabled = $2, updated_at = $3 WHERE id = $1', [
      disabled ? 1 : 0,
      Date.now(),
    ]);
    const sessionsEnded = disabled ? await endAccountSessions(this.#store, id, this.#backchannelUriOf) : 0;
    await this.#audit.write({
      action: disabled ? 'account.disable' : 'account.enable',
      outcome: 'success',
      actor: 'operator',
      subject: id,
      ...(disabled ? { details: { sessionsEnded } } : {}),
    });
    return this.get(id);
  }

  /**
   * An operator sets the password (and lifts a sign-in lockout). It is
   * temporary unless `temporary: false`: it works for a day, and only to
   * choose the person's own at their next sign-in (ASVS 6.4.1).
   */
  async resetPassword(id: string, password: string, options: { temporary?: boolean } = {}): Promise<void> {
    const account = await this.get(id);
    assertPasswordPolicy(password, identifiersOf(account));
    const now = Date.now();
    const temporary = options.temporary ?? true;
    await this.#update(
      id,
      'UPDATE accounts SET password_hash = $2, password_expires_at = $3, updated_at = $4 WHERE id = $1',
      [await this.#hasher.hash(password), temporary ? now + TEMPORARY_PASSWORD_TTL_MS : null, now],
    );
    await this.#throttle.recordSuccess({ accountKey: id, address: undefined, now });
    await this.#audit.write({
      action: 'account.password_reset',
      outcome: 'success',
      actor: 'operator',
      subject: id,
      details: { temporary },
    });
  }

  /**
   * The person's own password in place of an operator's temporary one, at
   * sign-in, once the temporary one was verified in this interaction: it must
   * meet the policy and differ from the temporary one. Audited here.
   */
  async replaceTemporaryPassword(
    id: string,
    next: string,
    audit: { address: string; clientId?: string | undefined },
  ): Promise<PasswordResult<TemporaryPasswordError>> {
    const row = await this.#row(id);
    if (row.password_hash === null || row.password_expires_at === null)
      return { ok: false, error: { code: 'not_temporary' } };
    const reasons = checkPasswordPolicy(next, identifiersOf(await this.#toAccount(row)));
    if (reasons.length > 0) return { ok: false, error: { code: 'policy', reasons } };
    if (await this.#hasher.verify(row.password_hash, next)) return { ok: false, error: { code: 'same' } };
    // Only over the temporary hash just read: a reset meanwhile is not overwritten.
    const swapped = await this.#swapHash(id, row.password_hash, await this.#hasher.hash(next));
    if (!swapped) return { ok: false, error: { code: 'not_temporary' } };
    await this.#audit.write({
      ...audit,
      action: 'account.password_change',
      outcome: 'success',
      actor: id,
      subject: id,
      reason: 'temporary_password_replaced',
    });
    return { ok: true };
  }

  /**
   * An operator's reset of a lost second factor (ASVS 6.4.4): the
   * authenticator app and recovery codes go. The person's identity must have
   * been proven again first, as strongly as at enrolment: `proofing` records
   * how (the counter, the document checked, the ticket), and unless that was
   * in person, a `verified_in_person` account drops to `basic` until it is
   * verified again. Audited with the record; never silent.
   */
  async resetSecondFactors(
    id: string,
    input: { proofing: string; inPerson: boolean },
  ): Promise<{ removed: boolean; identityAssurance: IdentityAssurance }> {
    const proofing = proofingRecord(input.proofing);
    const before = (await this.get(id)).identityAssurance;
    const after: IdentityAssurance = input.inPerson ? before : 'basic';
    const removed = await this.#store.transaction(async (tx) => {
      const totp = await tx.exec('DELETE FROM identity_totp WHERE account_id = $1', [id]);
      const codes = await tx.exec('DELETE FROM identity_recovery_codes WHERE account_id = $1', [id]);
      await tx.exec('UPDATE accounts SET identity_assurance = $2, updated_at = $3 WHERE id = $1', [
        id,
        after,
        Date.now(),
      ]);
      await tx.notify(ACCOUNTS_TOPIC, id);
      return totp + codes > 0;
    });
    await this.#audit.write({
      action: 'account.second_factor_reset',
      outcome: 'success',
      actor: 'operator',
      subject: id,
      details: {
        proofing,
        in_person: input.inPerson,
        removed,
        identity_assurance: { before, after },
      },
    });
    return { removed, identityAssurance: after };
  }

  /**
   * Records that the person's identity documents were checked in person
   * (`verified_in_person`, which allows acr `high`), with how; audited.
   */
  async verifyInPerson(id: string, proofing: string): Promise<Account> {
    const record = proofingRecord(proofing);
    const before = (await this.get(id)).identityAssurance;
    await this.#update(id, 'UPDATE accounts SET identity_assurance = $2, updated_at = $3 WHERE id = $1', [
      'verified_in_person',
      Date.now(),
    ]);
    await this.#audit.write({
      action: 'account.identity_verified',
      outcome: 'success',
      actor: 'operator',
      subject: id,
      details: { proofing: record, identity_assurance: { before, after: 'verified_in_person' } },
    });
    return this.get(id);
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
    const reasons = checkPasswordPolicy(input.next, identifiersOf(await this.#toAccount(row)));
    if (reasons.length > 0) return { ok: false, error: { code: 'policy', reasons } };
    // Only over the hash just verified: a change made meanwhile elsewhere is not overwritten.
    const swapped = await this.#swapHash(id, row.password_hash, await this.#hasher.hash(input.next));
    return swapped ? { ok: true } : { ok: false, error: { code: 'wrong_password' } };
  }

  /** A first password for an account that has none (it signs in with passkeys); the caller audits. */
  async setPassword(id: string, password: string): Promise<PasswordResult<PasswordSetError>> {
    const row = await this.#row(id);
    if (row.password_hash !== null) return { ok: false, error: { code: 'has_password' } };
    const reasons = checkPasswordPolicy(password, identifiersOf(await this.#toAccount(row)));
    if (reasons.length > 0) return { ok: false, error: { code: 'policy', reasons } };
    const swapped = await this.#swapHash(id, null, await this.#hasher.hash(password));
    return swapped ? { ok: true } : { ok: false, error: { code: 'has_password' } };
  }

  async signIn(attempt: SignInAttempt): Promise<SignInResult> {
    const now = Date.now();
    const { found, unknownKey } = await this.#byLogin(attempt.login);
    const row = found?.row;
    // Throttle by account id when the account exists, else by what was typed: unknown names are throttled too.
    const accountKey = row?.id ?? unknownKey;
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
    const temporaryUntil = row.password_expires_at === null ? undefined : Number(row.password_expires_at);
    if (temporaryUntil !== undefined && temporaryUntil <= now) {
      // The right password, but an operator's, past its day: it no longer opens anything.
      await this.#audit.write({
        ...audit,
        action: 'login',
        outcome: 'failure',
        reason: 'temporary_password_expired',
      });
      return { ok: false, error: { code: 'temporary_password_expired' } };
    }
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
      details: { amr: ['pwd'], ...(temporaryUntil === undefined ? {} : { temporary_password: true }) },
    });
    return { ok: true, account: found.account, passwordChangeRequired: temporaryUntil !== undefined };
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
              'UPDATE accounts SET password_hash = $2, password_expires_at = NULL, updated_at = $3 WHERE id = $1 AND password_hash IS NULL',
              [id, next, Date.now()],
            )
          : await tx.exec(
              'UPDATE accounts SET password_hash = $2, password_expires_at = NULL, updated_at = $3 WHERE id = $1 AND password_hash = $4',
              [id, next, Date.now(), expected],
            );
      if (swapped > 0) await tx.notify(ACCOUNTS_TOPIC, id);
      return swapped > 0;
    });
  }

  async #toAccount(row: AccountRow): Promise<Account> {
    return toAccount(row, await this.#fields.open(row));
  }

  /**
   * The account a sign-in name points to, and the throttle key for a name
   * that points to none: a phone number or e-mail address is keyed by its
   * blind index there, so the throttle table holds no contact details either.
   */
  async #byLogin(login: string): Promise<{ found: Found | undefined; unknownKey: string }> {
    const identifier = parseLoginIdentifier(login);
    if (!identifier) return { found: undefined, unknownKey: `login:${login.trim().toLowerCase()}` };
    if (identifier.kind === 'username') {
      const row = await this.#store.maybeOne<AccountRow>(
        `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE username = $1`,
        [identifier.value],
      );
      return {
        found: row ? { row, account: await this.#toAccount(row) } : undefined,
        unknownKey: `login:${identifier.value}`,
      };
    }
    const [primary] = await this.#fields.candidates(identifier.kind, identifier.value);
    return {
      found: await this.#findBy(identifier.kind, identifier.value),
      unknownKey: `login:${identifier.kind}:${primary}`,
    };
  }

  /**
   * By blind index, under every usable root (a re-index may be under way),
   * or in plaintext on a row not yet sealed. Each candidate is opened and
   * compared, so an index collision is never taken for a match.
   */
  async #findBy(kind: IdentifierKind, value: string): Promise<Found | undefined> {
    const spec = IDENTIFIERS[kind];
    const params: string[] = await this.#fields.candidates(kind, value);
    let where = `${spec.indexColumn} IN (${params.map((_, i) => `$${i + 1}`).join(', ')})`;
    if (spec.legacyPlaintext) {
      params.push(value);
      where += ` OR (fields_sealed = 0 AND ${spec.column} = $${params.length})`;
    }
    const rows = await this.#store.query<AccountRow>(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE ${where} ORDER BY created_at, id`,
      params,
    );
    for (const row of rows) {
      const account = await this.#toAccount(row);
      if (AccountFields.same(kind, account[kind], value)) return { row, account };
    }
    return undefined;
  }

  /**
   * The unique blind indexes catch a duplicate under the current root; this
   * also catches one still indexed under an older root, or in plaintext.
   */
  async #assertUnused(
    values: { [K in IdentifierKind]?: string | undefined },
    exceptId?: string,
  ): Promise<void> {
    for (const kind of Object.keys(values) as IdentifierKind[]) {
      const value = values[kind];
      if (value === undefined) continue;
      const found = await this.#findBy(kind, value);
      if (found && found.row.id !== exceptId) throw new IdentityError('ERR_ACCOUNT_EXISTS', EXISTS_MESSAGE);
    }
  }

  async #conflictIsExists<T>(write: Promise<T>): Promise<T> {
    try {
      return await write;
    } catch (err) {
      if (isStoreError(err, 'ERR_STORE_CONFLICT'))
        throw new IdentityError('ERR_ACCOUNT_EXISTS', EXISTS_MESSAGE);
      throw err;
    }
  }

  async #update(id: string, sql: string, values: Array<string | number | null>): Promise<void> {
    await this.#store.transaction(async (tx) => {
      if ((await tx.exec(sql, [id, ...values])) === 0)
        throw new IdentityError('ERR_ACCOUNT_NOT_FOUND', 'no such account');
      await tx.notify(ACCOUNTS_TOPIC, id);
    });
  }
}

/** How the person proved who they are, as an operator records it: a short line, kept in the audit log. */
function proofingRecord(text: string): string {
  const record = text.trim();
  const control = [...record].some((c) => c < ' ' || c === '\u007f');
  if (record.length < 8 || record.length > 200 || control) {
    throw new IdentityError(
      'ERR_ACCOUNT_INVALID',
      'the proofing record says in 8 to 200 characters how the person proved who they are',
    );
  }
  return record;
}

/** What a new password of this account must not contain. */
function identifiersOf(account: Account): PasswordIdentifiers {
  return { username: account.username, email: account.email, phone: account.phone };
}

/** The columns of `AccountFields.seal` in the order the INSERT and UPDATE above list them. */
function sealedValues(sealed: Map<string, string | null>): Array<string | null> {
  return ['name', 'phone', 'phone_index', 'email', 'email_index', 'id_number', 'id_number_index'].map(
    (column) => sealed.get(column) ?? null,
  );
}

/** A resident ID number in its canonical form; refused without echoing it. */
function residentId(input: string | undefined): string | undefined {
  if (input === undefined) return undefined;
  const result = validateResidentId(input, { lenient: true });
  if (!result.valid)
    throw new IdentityError('ERR_ACCOUNT_INVALID', `ID number is not valid: ${result.message}`);
  return result.normalized;
}

function identifier(input: string | undefined, kind: 'email' | 'phone', message: string): string | undefined {
  if (input === undefined) return undefined;
  const parsed = parseLoginIdentifier(input);
  if (parsed?.kind !== kind) throw new IdentityError('ERR_ACCOUNT_INVALID', message);
  return parsed.value;
}
