import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readHeader,
  residentIdCheckCharacter,
  rewrapColumn,
  type Keyring,
  type KeyEncryptionKey,
} from '@onegate/privacy';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { AccountService } from '../src/accounts/account-service.ts';
import type { AuditEvent, AuditSink } from '../src/audit/audit-sink.ts';
import { identityMigrations } from '../src/identity.ts';
import { identityEncryptedColumns } from '../src/index.ts';
import { LoginThrottle, PasswordHasher } from '../src/passwords/index.ts';
import { newKek, startTestKeyring } from './support/keyring.ts';

const PASSWORD = 'Quiet-Lantern-Orbit-42';
const ADDRESS = '198.51.100.7';

class RecordingAudit implements AuditSink {
  readonly events: AuditEvent[] = [];

  async write(event: AuditEvent): Promise<void> {
    this.events.push(event);
  }
}

/** A valid resident ID number (GB 11643) born 1990-01-01 in Beijing Xicheng, sequence `n`. */
function residentId(n: number): string {
  const first17 = `11010219900101${String(n).padStart(3, '0')}`;
  return first17 + residentIdCheckCharacter(first17);
}

type Row = Record<string, unknown>;

describe.each(engines)('personal data of accounts on %s', (engine) => {
  const kek: KeyEncryptionKey = newKek();
  let db: TestDatabase;
  let store: Store;
  let keyring: Keyring;
  let audit: RecordingAudit;
  let accounts: AccountService;
  const stops: Array<() => Promise<void>> = [];
  let serial = 0;

  function serviceOn(on: Store, ring: Keyring): AccountService {
    return new AccountService({
      store: on,
      hasher: new PasswordHasher(),
      throttle: new LoginThrottle(on),
      audit,
      keyring: ring,
    });
  }

  /** A fresh citizen: every identifier unique to this call. */
  function citizen() {
    serial += 1;
    const n = String(serial).padStart(4, '0');
    return {
      username: `citizen.${n}`,
      phone: `1380013${n}`,
      email: `citizen.${n}@example.gov.cn`,
      idNumber: residentId(serial),
      name: `张三${n}`,
    };
  }

  const rawRow = (id: string) => store.one<Row>('SELECT * FROM accounts WHERE id = $1', [id]);
  const signsIn = async (service: AccountService, login: string) =>
    (await service.signIn({ login, password: PASSWORD, address: ADDRESS })).ok;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    for (const set of identityMigrations) await store.migrate(set);
    keyring = await startTestKeyring(store, { kek });
    stops.push(() => keyring.stop());
    audit = new RecordingAudit();
    accounts = serviceOn(store, keyring);
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    await db?.drop();
  });

  it('gives back name, phone, e-mail and ID number as they were given, in canonical form', async () => {
    const who = citizen();
    const created = await accounts.create({
      ...who,
      phone: `+86 ${who.phone.slice(0, 3)}-${who.phone.slice(3, 7)}-${who.phone.slice(7)}`,
      email: who.email.toUpperCase(),
      idNumber: ` ${who.idNumber.toLowerCase()} `,
      password: PASSWORD,
    });
    const expected = {
      id: created.id,
      name: who.name,
      phone: who.phone,
      email: who.email,
      idNumber: who.idNumber,
    };
    expect(created).toMatchObject(expected);
    expect(await accounts.get(created.id)).toMatchObject(expected);
    expect((await accounts.list()).find((a) => a.id === created.id)).toMatchObject(expected);
    expect(await accounts.lookup(who.idNumber)).toMatchObject(expected);
  });

  it('finds the account at sign-in by the phone number in any spelling, and by e-mail', async () => {
    const account = await accounts.create({
      username: 'li.wei',
      phone: '13800138000',
      email: 'li.wei@example.cn',
      password: PASSWORD,
    });
    for (const login of ['+86 138-0013-8000', '13800138000', '138 0013 8000', 'Li.Wei@Example.CN']) {
      const result = await accounts.signIn({ login, password: PASSWORD, address: ADDRESS });
      expect(result).toMatchObject({ ok: true, account: { id: account.id, phone: '13800138000' } });
      expect((await accounts.lookup(login)).id).toBe(account.id);
    }
    expect(await signsIn(accounts, '13800138001')).toBe(false);
  });

  it('keeps no name, phone number, e-mail address or ID number in the clear in the row', async () => {
    const who = citizen();
    const account = await accounts.create({ ...who, password: PASSWORD });
    const row = await rawRow(account.id);
    const raw = JSON.stringify(row);
    for (const plain of [who.phone, who.phone.slice(3), who.email, who.idNumber, who.name]) {
      expect(raw).not.toContain(plain);
    }
    for (const [column, keyId] of [
      ['name', 'identity.accounts.name'],
      ['phone', 'identity.accounts.phone'],
      ['email', 'identity.accounts.email'],
      ['id_number', 'identity.accounts.id_number'],
    ] as const) {
      expect(readHeader(row[column] as string)).toMatchObject({ keyId, version: 1 });
    }
    for (const column of ['phone_index', 'email_index', 'id_number_index']) {
      expect(row[column]).toMatch(/^[\w-]{22}$/);
    }
    expect(Number(row['fields_sealed'])).toBe(1);
  });

  it("refuses a phone envelope copied to another account's row", async () => {
    const a = await accounts.create({ ...citizen(), password: PASSWORD });
    const b = await accounts.create({ ...citizen(), password: PASSWORD });
    const stolen = (await rawRow(a.id))['phone'] as string;
    await store.exec('UPDATE accounts SET phone = NULL WHERE id = $1', [a.id]);
    await store.exec('UPDATE accounts SET phone = $2 WHERE id = $1', [b.id, stolen]);
    await expect(accounts.get(b.id)).rejects.toMatchObject({ code: 'ERR_SEALED_DATA' });
    await store.exec('UPDATE accounts SET phone = NULL WHERE id = $1', [b.id]);
    await store.exec('UPDATE accounts SET phone = $2 WHERE id = $1', [a.id, stolen]);
    expect((await accounts.get(a.id)).phone).toBeDefined();
  });

  it('refuses a second account with the same phone, e-mail or ID number, however spelt', async () => {
    const who = citizen();
    await accounts.create({ ...who, password: PASSWORD });
    const other = citizen();
    for (const clash of [
      { phone: `+86 ${who.phone}` },
      { email: who.email.toUpperCase() },
      { idNumber: who.idNumber.toLowerCase() },
    ]) {
      await expect(accounts.create({ ...other, ...clash, password: PASSWORD })).rejects.toMatchObject({
        code: 'ERR_ACCOUNT_EXISTS',
      });
    }
    expect((await accounts.list()).some((a) => a.username === other.username)).toBe(false);
  });

  it('refuses an ID number that fails its check, without echoing it', async () => {
    const who = citizen();
    const wrong = who.idNumber.slice(0, 17) + (who.idNumber.endsWith('0') ? '1' : '0');
    const failure = accounts.create({ ...who, idNumber: wrong, password: PASSWORD });
    await expect(failure).rejects.toMatchObject({ code: 'ERR_ACCOUNT_INVALID' });
    await expect(failure).rejects.not.toThrow(wrong);
  });

  it('changes and removes personal data, re-indexed, audited by field name only', async () => {
    const who = citizen();
    const account = await accounts.create({ ...who, password: PASSWORD });
    const next = citizen();
    const mark = audit.events.length;
    const updated = await accounts.update(account.id, { phone: next.phone, email: null, name: 'Wang Wu' });
    expect(updated).toMatchObject({
      phone: next.phone,
      email: undefined,
      name: 'Wang Wu',
      idNumber: who.idNumber,
    });
    expect(await signsIn(accounts, next.phone)).toBe(true);
    expect(await signsIn(accounts, who.phone)).toBe(false);
    expect(await signsIn(accounts, who.email)).toBe(false);
    const row = await rawRow(account.id);
    expect(row['email']).toBeNull();
    expect(row['email_index']).toBeNull();
    expect(audit.events.slice(mark).filter((e) => e.action === 'account.update')).toEqual([
      expect.objectContaining({
        action: 'account.update',
        subject: account.id,
        details: { fields: ['name', 'phone', 'email'] },
      }),
    ]);
    expect(JSON.stringify(audit.events.slice(mark))).not.toContain(next.phone);

    const taken = await accounts.create({ ...citizen(), password: PASSWORD });
    await expect(accounts.update(taken.id, { phone: `+86${next.phone}` })).rejects.toMatchObject({
      code: 'ERR_ACCOUNT_EXISTS',
    });
    // Giving an account its own value again is no change.
    expect((await accounts.update(account.id, { phone: next.phone })).phone).toBe(next.phone);
  });

  it('opens values whose key another instance made a moment ago', async () => {
    const otherStore = await db.open();
    const otherKeyring = await startTestKeyring(otherStore, { kek });
    stops.push(() => otherKeyring.stop());
    const elsewhere = serviceOn(otherStore, otherKeyring);
    // A key chain this instance has not seen: the other instance makes it now.
    await otherKeyring.rotate('identity.accounts.email', 'test');
    const who = citizen();
    const account = await elsewhere.create({ ...who, password: PASSWORD });
    expect(readHeader((await rawRow(account.id))['email'] as string).version).toBe(2);
    expect((await accounts.get(account.id)).email).toBe(who.email);
    expect(await signsIn(accounts, who.email)).toBe(true);
  });

  describe('while the blind-index root is replaced', () => {
    it('finds rows indexed under the old root and the new, and refuses duplicates across both', async () => {
      const before = citizen();
      const old = await accounts.create({ ...before, password: PASSWORD });
      const oldIndex = (await rawRow(old.id))['phone_index'];
      await keyring.rotate('blind-index-root', 'test');
      const after = citizen();
      const fresh = await accounts.create({ ...after, password: PASSWORD });
      expect((await rawRow(fresh.id))['phone_index']).not.toBe(oldIndex);

      expect(await signsIn(accounts, before.phone)).toBe(true);
      expect(await signsIn(accounts, after.phone)).toBe(true);
      expect((await accounts.lookup(before.idNumber)).id).toBe(old.id);
      // Under the new root this index is free: only the search under every root catches the duplicate.
      await expect(
        accounts.create({ ...citizen(), phone: before.phone, password: PASSWORD }),
      ).rejects.toMatchObject({ code: 'ERR_ACCOUNT_EXISTS' });
    });
  });

  describe('identityEncryptedColumns', () => {
    it('names the accounts columns as they are sealed, so a rewrap moves them to a new key version', async () => {
      const who = citizen();
      const account = await accounts.create({ ...who, password: PASSWORD });
      for (const keyId of ['identity.accounts.phone', 'identity.accounts.id_number']) {
        const column = identityEncryptedColumns.find((c) => c.keyId === keyId)!;
        const version = (await keyring.rotate(keyId, 'test')).primaryVersion;
        const result = await rewrapColumn({ store, keyring, ...column });
        expect(result).toMatchObject({ completed: true, unreadable: 0 });
        expect(result.rewrapped).toBeGreaterThan(0);
        expect(readHeader((await rawRow(account.id))[column.column] as string)).toMatchObject({
          keyId,
          version,
        });
      }
      expect(await accounts.get(account.id)).toMatchObject({ phone: who.phone, idNumber: who.idNumber });
      expect(await signsIn(accounts, who.phone)).toBe(true);
    });

    it('lists every column identity seals under the keyring', () => {
      expect(identityEncryptedColumns.map((c) => `${c.table}.${c.column} ${c.keyId}`).sort()).toEqual([
        'accounts.email identity.accounts.email',
        'accounts.id_number identity.accounts.id_number',
        'accounts.name identity.accounts.name',
        'accounts.phone identity.accounts.phone',
        'identity_signing_keys.sealed_private_jwk identity.signing_keys.private_jwk',
        'identity_totp.sealed_secret identity.totp.secret',
      ]);
    });
  });
});

describe.each(engines)('personal data of accounts in GM mode on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let keyring: Keyring;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    for (const set of identityMigrations) await store.migrate(set);
    keyring = await startTestKeyring(store, { algorithm: 'sm4-ctr-hmac-sm3' });
  });
  afterAll(async () => {
    await keyring?.stop();
    await db?.drop();
  });

  it('seals with SM4 + HMAC-SM3 and still signs in by phone number', async () => {
    const accounts = new AccountService({
      store,
      hasher: new PasswordHasher(),
      throttle: new LoginThrottle(store),
      audit: new RecordingAudit(),
      keyring,
    });
    const account = await accounts.create({ username: 'zhao.liu', phone: '13900139000', password: PASSWORD });
    const row = await store.one<Row>('SELECT phone FROM accounts WHERE id = $1', [account.id]);
    expect(readHeader(row['phone'] as string).algorithm).toBe('sm4-ctr-hmac-sm3');
    const result = await accounts.signIn({
      login: '+86 139 0013 9000',
      password: PASSWORD,
      address: ADDRESS,
    });
    expect(result).toMatchObject({ ok: true, account: { id: account.id } });
  });
});
