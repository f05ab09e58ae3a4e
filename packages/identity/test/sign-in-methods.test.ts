import { randomUUID } from 'node:crypto';
import type { Keyring } from '@onegate/privacy';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccountService } from '../src/accounts/account-service.ts';
import { SignInMethods } from '../src/accounts/sign-in-methods.ts';
import type { AuditEvent, AuditSink } from '../src/audit/audit-sink.ts';
import { identityMigrations } from '../src/identity.ts';
import { LoginThrottle, PasswordHasher } from '../src/passwords/index.ts';
import { Passkeys } from '../src/second-factors/index.ts';
import { startTestKeyring } from './support/keyring.ts';
import { SoftAuthenticator } from './support/soft-authenticator.ts';

const PASSWORD = 'Quiet-Lantern-Orbit-42';
const NEW_PASSWORD = 'Amber river 7 crossing';
const RP_ID = 'id.gov.example';
const ORIGIN = 'https://id.gov.example';

class RecordingAudit implements AuditSink {
  readonly events: AuditEvent[] = [];

  async write(event: AuditEvent): Promise<void> {
    this.events.push(event);
  }
}

/**
 * The citizen's own password changes (current password checked under the
 * sign-in throttle, policy enforced) and the rule that an account always
 * keeps a password or a passkey.
 */
describe.each(engines)('passwords and sign-in methods on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let audit: RecordingAudit;
  let hasher: PasswordHasher;
  let accounts: AccountService;
  let passkeys: Passkeys;
  let methods: SignInMethods;
  let keyring: Keyring;
  let serial = 0;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    for (const set of identityMigrations) await store.migrate(set);
    audit = new RecordingAudit();
    hasher = new PasswordHasher();
    keyring = await startTestKeyring(store);
    accounts = new AccountService({ store, hasher, throttle: new LoginThrottle(store), audit, keyring });
    passkeys = new Passkeys({ store, rpId: RP_ID, rpName: 'OneGate', origin: ORIGIN });
    methods = new SignInMethods({ store, passkeys });
  });
  afterAll(async () => {
    await keyring?.stop();
    await db?.drop();
  });

  async function newAccount() {
    serial += 1;
    const username = `methods.${engine}.${serial}`;
    const account = await accounts.create({
      username,
      email: `${username}@example.gov.cn`,
      password: PASSWORD,
    });
    return { id: account.id, username, address: `203.0.113.${serial}` };
  }

  async function addPasskey(account: { id: string; username: string }): Promise<string> {
    const authenticator = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
    const key = randomUUID();
    const options = await passkeys.registrationOptions(account, key);
    return (await passkeys.register(account.id, key, authenticator.register(options), 'Phone')).credentialId;
  }

  async function hashOf(id: string): Promise<string | null> {
    return (
      await store.one<{ password_hash: string | null }>('SELECT password_hash FROM accounts WHERE id = $1', [
        id,
      ])
    ).password_hash;
  }

  const signIn = (login: string, password: string, address: string) =>
    accounts.signIn({ login, password, address });

  describe('changing the password', () => {
    it('needs the current one; afterwards the old one fails at sign-in and the new one works', async () => {
      const { id, username, address } = await newAccount();
      const result = await accounts.changePassword(id, { current: PASSWORD, next: NEW_PASSWORD, address });
      expect(result).toEqual({ ok: true });
      expect(await signIn(username, PASSWORD, address)).toEqual({
        ok: false,
        error: { code: 'invalid_credentials' },
      });
      expect(await signIn(username, NEW_PASSWORD, address)).toMatchObject({ ok: true });
      expect(await hashOf(id)).toMatch(/^\$argon2id\$/);
    });

    it('refuses a wrong current password and keeps the hash', async () => {
      const { id, address } = await newAccount();
      const before = await hashOf(id);
      const result = await accounts.changePassword(id, {
        current: 'not my password 1',
        next: NEW_PASSWORD,
        address,
      });
      expect(result).toEqual({ ok: false, error: { code: 'wrong_password' } });
      expect(await hashOf(id)).toBe(before);
    });

    it('counts wrong current passwords as failed sign-ins: the sixth try waits, the tenth locks, audited', async () => {
      const { id, username, address } = await newAccount();
      const mark = audit.events.length;
      for (let i = 0; i < 5; i++) {
        await accounts.changePassword(id, {
          current: `wrong guess ${i} abcdef`,
          next: NEW_PASSWORD,
          address,
        });
      }
      // The same counter as sign-in: even the right password must now wait.
      const waiting = await accounts.changePassword(id, { current: PASSWORD, next: NEW_PASSWORD, address });
      expect(waiting).toMatchObject({ ok: false, error: { code: 'throttled', reason: 'account_delay' } });
      expect(await signIn(username, PASSWORD, address)).toMatchObject({
        ok: false,
        error: { code: 'throttled' },
      });

      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
      try {
        for (let i = 5; i < 10; i++) {
          vi.setSystemTime(Date.now() + 20 * 60_000);
          await accounts.changePassword(id, {
            current: `wrong guess ${i} abcdef`,
            next: NEW_PASSWORD,
            address,
          });
        }
      } finally {
        vi.useRealTimers();
      }
      expect(audit.events.slice(mark)).toContainEqual({
        action: 'account.lock',
        outcome: 'success',
        reason: 'too_many_failures',
        subject: id,
        address,
      });
      expect(await hashOf(id)).not.toBe(null);
    });

    it('refuses a new password the policy refuses, after checking the current one', async () => {
      const { id, username, address } = await newAccount();
      const before = await hashOf(id);
      for (const [next, reason] of [
        ['short one', 'too_short'],
        [`my name is ${username}`, 'contains_identifier'],
        ['password1234', 'common'],
      ] as const) {
        const result = await accounts.changePassword(id, { current: PASSWORD, next, address });
        expect(result).toMatchObject({ ok: false, error: { code: 'policy' } });
        expect(!result.ok && result.error.code === 'policy' && result.error.reasons).toContain(reason);
      }
      expect(await hashOf(id)).toBe(before);
    });
  });

  describe('a passkey-only account', () => {
    it('has its password removed only while it has a passkey, and then cannot sign in with one', async () => {
      const { id, username, address } = await newAccount();
      await expect(methods.removePassword(id)).rejects.toMatchObject({ code: 'ERR_LAST_SIGN_IN_METHOD' });
      expect(await hashOf(id)).not.toBe(null);
      expect(await methods.count(id)).toBe(1);

      await addPasskey({ id, username });
      expect(await methods.count(id)).toBe(2);
      expect(await methods.removePassword(id)).toBe(true);
      expect(await methods.removePassword(id)).toBe(false);
      expect(await hashOf(id)).toBe(null);
      expect(await accounts.hasPassword(id)).toBe(false);
      expect(await methods.count(id)).toBe(1);

      // The usual answer, at the usual cost, and the audit says why.
      const dummy = vi.spyOn(hasher, 'verifyDummy');
      const mark = audit.events.length;
      expect(await signIn(username, PASSWORD, address)).toEqual({
        ok: false,
        error: { code: 'invalid_credentials' },
      });
      expect(dummy).toHaveBeenCalledOnce();
      dummy.mockRestore();
      expect(audit.events.slice(mark)[0]).toMatchObject({
        action: 'login',
        outcome: 'failure',
        reason: 'no_password',
      });
      expect(await accounts.changePassword(id, { current: PASSWORD, next: NEW_PASSWORD, address })).toEqual({
        ok: false,
        error: { code: 'wrong_password' },
      });
    });

    it('keeps its last passkey, and may set a password under the policy, once', async () => {
      const { id, username, address } = await newAccount();
      const only = await addPasskey({ id, username });
      await methods.removePassword(id);
      await expect(methods.removePasskey(id, only)).rejects.toMatchObject({
        code: 'ERR_LAST_SIGN_IN_METHOD',
      });
      expect((await passkeys.list(id)).map((p) => p.credentialId)).toEqual([only]);

      expect(await accounts.setPassword(id, 'too short')).toMatchObject({
        ok: false,
        error: { code: 'policy', reasons: ['too_short'] },
      });
      expect(await accounts.setPassword(id, NEW_PASSWORD)).toEqual({ ok: true });
      expect(await accounts.setPassword(id, 'Another long passphrase 9')).toEqual({
        ok: false,
        error: { code: 'has_password' },
      });
      expect(await signIn(username, NEW_PASSWORD, address)).toMatchObject({ ok: true });
      // With a password again, the passkey may go.
      await methods.removePasskey(id, only);
      expect(await passkeys.count(id)).toBe(0);
    });

    it('keeps one method when the password and the last passkey are removed at the same moment', async () => {
      const { id, username } = await newAccount();
      const only = await addPasskey({ id, username });
      const results = await Promise.allSettled([methods.removePassword(id), methods.removePasskey(id, only)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({
        reason: { code: 'ERR_LAST_SIGN_IN_METHOD' },
      });
      expect(await methods.count(id)).toBe(1);
    });

    it('does not remove another account’s passkey', async () => {
      const owner = await newAccount();
      const other = await newAccount();
      const credential = await addPasskey(owner);
      await expect(methods.removePasskey(other.id, credential)).rejects.toMatchObject({
        code: 'ERR_PASSKEY_NOT_FOUND',
      });
      expect(await passkeys.count(owner.id)).toBe(1);
    });
  });
});
