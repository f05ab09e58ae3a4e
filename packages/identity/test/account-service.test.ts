import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Keyring } from '@onegate/privacy';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { AccountService, type NewAccount } from '../src/accounts/account-service.ts';
import type { AuditEvent, AuditSink } from '../src/audit/audit-sink.ts';
import { identityMigrations } from '../src/identity.ts';
import type { SignInResult } from '../src/interactions/authenticator.ts';
import { LoginThrottle, PasswordHasher } from '../src/passwords/index.ts';
import { startTestKeyring } from './support/keyring.ts';

const PASSWORD = 'Quiet-Lantern-Orbit-42';
const WRONG = 'Quiet-Lantern-Orbit-43';
const NEW_PASSWORD = 'Amber river 7 crossing';
const T0 = Date.UTC(2030, 0, 1);
const MINUTE = 60_000;

/** Every audit event, in the order written. */
class RecordingAudit implements AuditSink {
  readonly events: AuditEvent[] = [];

  async write(event: AuditEvent): Promise<void> {
    this.events.push(event);
  }
}

const INVALID = { ok: false, error: { code: 'invalid_credentials' } };

function throttled(result: SignInResult): number {
  if (result.ok || result.error.code !== 'throttled') {
    throw new Error(`expected throttled, got ${JSON.stringify(result)}`);
  }
  return result.error.retryAfterSeconds;
}

describe.each(engines)('account service on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let audit: RecordingAudit;
  let hasher: PasswordHasher;
  let throttle: LoginThrottle;
  let accounts: AccountService;
  let keyring: Keyring;
  let serial = 0;

  /** A fresh username, phone number, e-mail address and source address for each test. */
  function unique() {
    serial += 1;
    const n = String(serial).padStart(4, '0');
    return {
      username: `citizen.${engine}.${n}`,
      phone: `+86 139-0013-${n}`,
      email: `Citizen.${n}@Example.GOV.cn`,
      address: `198.51.100.${serial}`,
    };
  }

  async function newAccount(extra: Partial<NewAccount> = {}) {
    const who = unique();
    const account = await accounts.create({
      username: who.username,
      phone: who.phone,
      email: who.email,
      password: PASSWORD,
      ...extra,
    });
    return { account, ...who };
  }

  function eventsFrom(mark: number): AuditEvent[] {
    return audit.events.slice(mark);
  }

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    for (const set of identityMigrations) await store.migrate(set);
    keyring = await startTestKeyring(store);
    audit = new RecordingAudit();
    hasher = new PasswordHasher();
    throttle = new LoginThrottle(store);
    accounts = new AccountService({ store, hasher, throttle, audit, keyring });
  });
  afterAll(async () => {
    await keyring?.stop();
    await db?.drop();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('when an operator creates an account', () => {
    it('stores the username, phone and e-mail in their canonical spelling and audits it', async () => {
      const mark = audit.events.length;
      const account = await accounts.create({
        username: 'Li.Wei.Create',
        phone: '+86 138-0013-8000',
        email: 'Li.Wei@Example.GOV.cn',
        name: '  李伟  ',
        password: PASSWORD,
      });
      expect(account).toMatchObject({
        username: 'li.wei.create',
        phone: '13800138000',
        email: 'li.wei@example.gov.cn',
        name: '李伟',
        identityAssurance: 'basic',
        departments: [],
        roles: [],
        disabled: false,
      });
      expect(await accounts.get(account.id)).toEqual(account);
      expect(eventsFrom(mark)).toEqual([
        { action: 'account.create', outcome: 'success', actor: 'operator', subject: account.id },
      ]);
      const row = await store.one<{ password_hash: string }>(
        'SELECT password_hash FROM accounts WHERE id = $1',
        [account.id],
      );
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(row.password_hash).not.toContain(PASSWORD);
    });

    it('refuses a username that is too short, has spaces or other characters', async () => {
      for (const username of ['ab', 'li wei', 'li/wei', '.liwei', '']) {
        await expect(accounts.create({ username, password: PASSWORD })).rejects.toMatchObject({
          code: 'ERR_ACCOUNT_INVALID',
        });
      }
    });

    it('refuses an e-mail address or phone number that is not one', async () => {
      const { username } = unique();
      await expect(
        accounts.create({ username, email: 'not-an-address', password: PASSWORD }),
      ).rejects.toMatchObject({ code: 'ERR_ACCOUNT_INVALID' });
      await expect(accounts.create({ username, email: 'li@', password: PASSWORD })).rejects.toMatchObject({
        code: 'ERR_ACCOUNT_INVALID',
      });
      await expect(accounts.create({ username, phone: 'call me', password: PASSWORD })).rejects.toMatchObject(
        {
          code: 'ERR_ACCOUNT_INVALID',
        },
      );
      await expect(accounts.create({ username, phone: '12', password: PASSWORD })).rejects.toMatchObject({
        code: 'ERR_ACCOUNT_INVALID',
      });
    });

    it('refuses a password that breaks the policy, and stores nothing', async () => {
      const who = unique();
      const mark = audit.events.length;
      for (const password of ['short pw', 'password1234', `my ${who.username} pw`, 'aaaaaaaaaaaaaaaa']) {
        await expect(accounts.create({ ...who, password })).rejects.toMatchObject({
          code: 'ERR_PASSWORD_POLICY',
        });
      }
      await expect(accounts.lookup(who.username)).rejects.toMatchObject({ code: 'ERR_ACCOUNT_NOT_FOUND' });
      expect(eventsFrom(mark)).toEqual([]);
    });

    it('refuses a second account with the same username, in any case', async () => {
      const { username } = await newAccount();
      await expect(
        accounts.create({ username: username.toUpperCase(), password: PASSWORD }),
      ).rejects.toMatchObject({ code: 'ERR_ACCOUNT_EXISTS' });
    });

    it('refuses a second account with the same phone number, however it is written', async () => {
      const { phone } = await newAccount();
      const digits = phone.replace(/\D/g, ''); // 86139…: the same number with its country code
      await expect(
        accounts.create({ username: unique().username, phone: digits, password: PASSWORD }),
      ).rejects.toMatchObject({ code: 'ERR_ACCOUNT_EXISTS' });
      await expect(
        accounts.create({ username: unique().username, phone: digits.slice(2), password: PASSWORD }),
      ).rejects.toMatchObject({ code: 'ERR_ACCOUNT_EXISTS' });
    });

    it('refuses a second account with the same e-mail address, in any case', async () => {
      const { email } = await newAccount();
      await expect(
        accounts.create({ username: unique().username, email: email.toUpperCase(), password: PASSWORD }),
      ).rejects.toMatchObject({ code: 'ERR_ACCOUNT_EXISTS' });
    });

    // A number or address typed with a full-width IME is validated after NFKC but stored
    // without it, while sign-in applies NFKC: the account can never be found by it.
    it('lets an account whose phone number was typed in full-width digits sign in with it', async () => {
      const { username, address } = unique();
      const account = await accounts.create({
        username,
        phone: '１３７ ００１３ ８０００',
        password: PASSWORD,
      });
      expect(account.phone).toBe('13700138000');
      expect(await accounts.signIn({ login: '13700138000', password: PASSWORD, address })).toEqual({
        ok: true,
        account,
        passwordChangeRequired: false,
      });
    });

    it('lets an account whose e-mail was typed in full-width letters sign in with it, typed alike', async () => {
      const { username, address } = unique();
      const email = 'ＦＵＬＬ．ＷＩＤＴＨ@example.gov.cn';
      const account = await accounts.create({ username, email, password: PASSWORD });
      expect(await accounts.signIn({ login: email, password: PASSWORD, address })).toEqual({
        ok: true,
        account,
        passwordChangeRequired: false,
      });
    });
  });

  describe('when a citizen signs in with the right password', () => {
    it('finds the account by username, phone number in any spelling and e-mail, and audits each success', async () => {
      const { account, address } = await newAccount({
        username: 'Wang.Fang',
        phone: '+86 137-0013-9000',
        email: 'Wang.Fang@Example.GOV.cn',
      });
      const logins = [
        'wang.fang',
        'WANG.FANG',
        'Ｗａｎｇ．Ｆａｎｇ',
        '13700139000',
        '8613700139000',
        '+86 137-0013-9000',
        '+86 137 0013 9000',
        '１３７００１３９０００',
        'wang.fang@example.gov.cn',
        'Wang.Fang@EXAMPLE.gov.cn',
      ];
      for (const login of logins) {
        const mark = audit.events.length;
        const result = await accounts.signIn({ login, password: PASSWORD, address, clientId: 'og_portal' });
        expect(result, login).toEqual({ ok: true, account, passwordChangeRequired: false });
        expect(eventsFrom(mark), login).toEqual([
          {
            action: 'login',
            outcome: 'success',
            actor: account.id,
            subject: account.id,
            clientId: 'og_portal',
            address,
            details: { amr: ['pwd'] },
          },
        ]);
      }
    });
  });

  describe('when the password is wrong or the account unknown', () => {
    it('answers both the same way, and audits the difference only', async () => {
      const { account, username, address } = await newAccount();
      let mark = audit.events.length;
      const wrong = await accounts.signIn({ login: username, password: WRONG, address });
      const wrongEvents = eventsFrom(mark);
      mark = audit.events.length;
      const unknown = await accounts.signIn({ login: 'nobody.here.at.all', password: PASSWORD, address });
      const unknownEvents = eventsFrom(mark);

      expect(wrong).toEqual(INVALID);
      expect(unknown).toEqual(wrong);
      expect(wrongEvents).toEqual([
        expect.objectContaining({
          action: 'login',
          outcome: 'failure',
          reason: 'wrong_password',
          subject: account.id,
        }),
      ]);
      expect(unknownEvents).toEqual([
        expect.objectContaining({
          action: 'login',
          outcome: 'failure',
          reason: 'unknown_account',
          subject: undefined,
        }),
      ]);
    });

    it('answers invalid_credentials for input that is no identifier at all', async () => {
      const { address } = unique();
      expect(await accounts.signIn({ login: '!!', password: PASSWORD, address })).toEqual(INVALID);
    });
  });

  describe('when a password is guessed again and again', () => {
    it('lets exactly five wrong passwords through, then makes the sixth attempt wait, right password or not', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(T0);
      const { username, address } = await newAccount();
      for (let i = 1; i <= 5; i++) {
        expect(await accounts.signIn({ login: username, password: WRONG, address }), `attempt ${i}`).toEqual(
          INVALID,
        );
      }
      const mark = audit.events.length;
      const wait = throttled(await accounts.signIn({ login: username, password: PASSWORD, address }));
      expect(wait).toBeGreaterThan(0);
      expect(eventsFrom(mark)).toEqual([
        expect.objectContaining({ action: 'login', outcome: 'denied', reason: 'account_delay' }),
      ]);

      // Once the wait is over the right password works, and the count starts over.
      vi.setSystemTime(T0 + wait * 1000);
      expect((await accounts.signIn({ login: username, password: PASSWORD, address })).ok).toBe(true);
      for (let i = 1; i <= 5; i++) {
        expect(await accounts.signIn({ login: username, password: WRONG, address }), `again ${i}`).toEqual(
          INVALID,
        );
      }
      throttled(await accounts.signIn({ login: username, password: WRONG, address }));
    });

    it('throttles guesses at an unknown username the same way', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(T0);
      const { address } = unique();
      for (let i = 1; i <= 5; i++) {
        expect(await accounts.signIn({ login: 'ghost.account', password: WRONG, address })).toEqual(INVALID);
      }
      expect(
        throttled(await accounts.signIn({ login: 'GHOST.ACCOUNT', password: WRONG, address })),
      ).toBeGreaterThan(0);
    });

    it('locks the account at the tenth failure and audits the lock exactly once', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      let now = T0;
      vi.setSystemTime(now);
      const { account, username, address } = await newAccount();
      const mark = audit.events.length;
      for (let i = 1; i <= 10; i++) {
        // Past every delay (at most 16 s before the tenth), well within the lock.
        now += MINUTE;
        vi.setSystemTime(now);
        expect(await accounts.signIn({ login: username, password: WRONG, address }), `attempt ${i}`).toEqual(
          INVALID,
        );
      }
      const locks = () => eventsFrom(mark).filter((e) => e.action === 'account.lock');
      expect(locks()).toEqual([
        expect.objectContaining({ action: 'account.lock', subject: account.id, reason: 'too_many_failures' }),
      ]);

      // While locked even the right password is refused, and the lock is not audited again.
      for (let i = 0; i < 3; i++) {
        now += MINUTE;
        vi.setSystemTime(now);
        expect(
          throttled(await accounts.signIn({ login: username, password: PASSWORD, address })),
        ).toBeGreaterThan(0);
      }
      expect(locks()).toHaveLength(1);
      expect(
        eventsFrom(mark)
          .filter((e) => e.outcome === 'denied')
          .map((e) => e.reason),
      ).toEqual(['account_locked', 'account_locked', 'account_locked']);
    });
  });

  describe('when the account is disabled', () => {
    it('cannot sign in with the right password, and looks like a wrong password', async () => {
      const { account, username, address } = await newAccount();
      const disabledMark = audit.events.length;
      expect((await accounts.setDisabled(account.id, true)).disabled).toBe(true);
      expect(eventsFrom(disabledMark)).toEqual([
        {
          action: 'account.disable',
          outcome: 'success',
          actor: 'operator',
          subject: account.id,
          details: { sessionsEnded: 0 },
        },
      ]);
      const mark = audit.events.length;
      expect(await accounts.signIn({ login: username, password: PASSWORD, address })).toEqual(INVALID);
      expect(eventsFrom(mark)).toEqual([expect.objectContaining({ action: 'login', outcome: 'failure' })]);

      await accounts.setDisabled(account.id, false);
      expect((await accounts.signIn({ login: username, password: PASSWORD, address })).ok).toBe(true);
    });
  });

  describe('when the configured hashing cost has been raised', () => {
    it('re-hashes the password with the new cost at the next successful sign-in', async () => {
      const { account, username, address } = await newAccount();
      const storedHash = async () =>
        (
          await store.one<{ password_hash: string }>('SELECT password_hash FROM accounts WHERE id = $1', [
            account.id,
          ])
        ).password_hash;
      expect(await storedHash()).toContain('m=19456');

      const stronger = new AccountService({
        store,
        hasher: new PasswordHasher({ memoryKiB: 32_768 }),
        throttle,
        audit,
        keyring,
      });
      expect((await stronger.signIn({ login: username, password: PASSWORD, address })).ok).toBe(true);
      expect(await storedHash()).toContain('m=32768');

      // The stronger hash still verifies where the old settings are in use, and is not weakened there.
      expect((await accounts.signIn({ login: username, password: PASSWORD, address })).ok).toBe(true);
      expect(await storedHash()).toContain('m=32768');
    });

    it('does not re-hash on a failed sign-in', async () => {
      const { account, username, address } = await newAccount();
      const before = await store.one('SELECT password_hash FROM accounts WHERE id = $1', [account.id]);
      const stronger = new AccountService({
        store,
        hasher: new PasswordHasher({ memoryKiB: 32_768 }),
        throttle,
        audit,
        keyring,
      });
      expect(await stronger.signIn({ login: username, password: WRONG, address })).toEqual(INVALID);
      expect(await store.one('SELECT password_hash FROM accounts WHERE id = $1', [account.id])).toEqual(
        before,
      );
    });
  });

  describe('when an operator resets a password', () => {
    it('enforces the password policy', async () => {
      const { account, username } = await newAccount();
      for (const password of ['too short', 'password1234', `x-${username}-x`]) {
        await expect(accounts.resetPassword(account.id, password)).rejects.toMatchObject({
          code: 'ERR_PASSWORD_POLICY',
        });
      }
      await expect(accounts.resetPassword('no-such-id', NEW_PASSWORD)).rejects.toMatchObject({
        code: 'ERR_ACCOUNT_NOT_FOUND',
      });
    });

    it('makes the new password work and the old one fail, and audits the reset', async () => {
      const { account, username, address } = await newAccount();
      const mark = audit.events.length;
      await accounts.resetPassword(account.id, NEW_PASSWORD);
      expect(eventsFrom(mark)).toEqual([
        {
          action: 'account.password_reset',
          outcome: 'success',
          actor: 'operator',
          subject: account.id,
          details: { temporary: true },
        },
      ]);
      expect(await accounts.signIn({ login: username, password: PASSWORD, address })).toEqual(INVALID);
      expect((await accounts.signIn({ login: username, password: NEW_PASSWORD, address })).ok).toBe(true);
    });

    it('lifts the wait that failed guesses put on the account', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(T0);
      const { account, username, address } = await newAccount();
      for (let i = 0; i < 5; i++) await accounts.signIn({ login: username, password: WRONG, address });
      throttled(await accounts.signIn({ login: username, password: PASSWORD, address }));
      await accounts.resetPassword(account.id, NEW_PASSWORD);
      expect((await accounts.signIn({ login: username, password: NEW_PASSWORD, address })).ok).toBe(true);
    });
  });

  describe('when a username is all digits', () => {
    // Sign-in reads 6+ digits as a phone number; such a username could never be used,
    // and could point at someone else's phone number, so it is refused at creation.
    it('refuses it, saying why', async () => {
      const err = await accounts
        .create({ username: '20240017', password: PASSWORD })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ERR_ACCOUNT_INVALID' });
      expect((err as Error).message).toMatch(/phone number/);
    });
  });
});
