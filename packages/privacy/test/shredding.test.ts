import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, eventually, type TestDatabase } from '@onegate/store/testing';
import {
  openFieldText,
  privacyMigrations,
  sealField,
  SubjectKeys,
  subjectKeyId,
  type FieldContext,
  type Keyring,
} from '../src/index.ts';
import {
  codeOf,
  newKek,
  openWithKeyring,
  rejected,
  startKeyring,
  type RecordingAudit,
} from './keyring-support.ts';

/** Each person's name, encrypted under their own key, in a table of many people. */
const people = ['alice-7f3c', 'bob-5d1e', 'carol-9c61'];
const nameOf = (subject: string) => `name of ${subject}`;
const place = (subject: string): FieldContext => ({ table: 'people', column: 'name', row: subject });

describe.each(engines)('crypto-shredding on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let keyring: Keyring;
  let audit: RecordingAudit;
  let subjects: SubjectKeys;
  const kek = newKek();
  const stored = new Map<string, string>();

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(privacyMigrations);
    ({ keyring, audit } = await startKeyring(store, kek));
    subjects = new SubjectKeys(keyring);
    for (const subject of people) {
      stored.set(subject, sealField(await subjects.subjectKey(subject), nameOf(subject), place(subject)));
    }
  });
  afterAll(async () => {
    await keyring?.stop();
    await db?.drop();
  });

  it("makes one subject's fields undecryptable, here and in another process, and leaves the rest", async () => {
    const other = await startKeyring(await db.open(), kek);
    // The other process has alice's key in memory already.
    expect(
      (await openWithKeyring(other.keyring, stored.get('alice-7f3c')!, place('alice-7f3c'))).toString(),
    ).toBe(nameOf('alice-7f3c'));

    const result = await subjects.shred('alice-7f3c', 'officer-12');
    expect(result).toEqual({ keyId: 'subject.alice-7f3c', versionsDestroyed: 1, alreadyShredded: false });

    const alice = stored.get('alice-7f3c')!;
    expect(codeOf(() => openFieldText(alice, place('alice-7f3c'), keyring.resolve))).toBe(
      'ERR_PRIVACY_KEY_SHREDDED',
    );
    await eventually(
      () =>
        codeOf(() => openFieldText(alice, place('alice-7f3c'), other.keyring.resolve)) ===
        'ERR_PRIVACY_KEY_SHREDDED',
      1000,
    );
    for (const subject of ['bob-5d1e', 'carol-9c61']) {
      expect(openFieldText(stored.get(subject)!, place(subject), keyring.resolve)).toBe(nameOf(subject));
      expect((await openWithKeyring(other.keyring, stored.get(subject)!, place(subject))).toString()).toBe(
        nameOf(subject),
      );
    }

    // A process started afterwards, which never had the key, gets the same answer.
    const late = await startKeyring(await db.open(), kek);
    expect(await rejected(openWithKeyring(late.keyring, alice, place('alice-7f3c')))).toMatchObject({
      code: 'ERR_PRIVACY_KEY_SHREDDED',
    });
    await other.keyring.stop();
    await late.keyring.stop();
  });

  it('deletes the wrapped key from the store and keeps a tombstone', async () => {
    const keyId = subjectKeyId('alice-7f3c');
    expect(await store.query('SELECT version FROM privacy_key_versions WHERE key_id = $1', [keyId])).toEqual(
      [],
    );
    expect(await store.query('SELECT key_id FROM privacy_key_chains WHERE key_id = $1', [keyId])).toEqual([]);
    expect(
      await store.one(
        'SELECT shredded_through, versions_destroyed, actor FROM privacy_shredded_keys WHERE key_id = $1',
        [keyId],
      ),
    ).toEqual({ shredded_through: 1, versions_destroyed: 1, actor: 'officer-12' });
    expect(await subjects.isShredded('alice-7f3c')).toBe(true);
    expect(await subjects.isShredded('bob-5d1e')).toBe(false);
  });

  it('audits the shredding, with who and whose, and no key material', () => {
    const event = audit.events.find((e) => e.action === 'privacy.key.shred');
    expect(event).toEqual({
      action: 'privacy.key.shred',
      outcome: 'success',
      actor: 'officer-12',
      subject: 'alice-7f3c',
      details: { keyId: 'subject.alice-7f3c', versionsDestroyed: 1 },
    });
  });

  it('never makes a new key for a shredded subject unless explicitly allowed', async () => {
    expect(await rejected(subjects.subjectKey('alice-7f3c'))).toMatchObject({
      code: 'ERR_PRIVACY_KEY_SHREDDED',
    });
    expect(await rejected(keyring.primaryKey('subject.alice-7f3c'))).toMatchObject({
      code: 'ERR_PRIVACY_KEY_SHREDDED',
    });
    expect(await subjects.shred('alice-7f3c', 'officer-12')).toMatchObject({ alreadyShredded: true });

    // Allowed (say, the person registers again): a new chain above the shredded versions.
    const fresh = await subjects.subjectKey('alice-7f3c', { allowAfterShred: true, actor: 'officer-12' });
    expect(fresh.version).toBe(2);
    const again = sealField(fresh, 'new name', place('alice-7f3c'));
    expect(openFieldText(again, place('alice-7f3c'), keyring.resolve)).toBe('new name');
    // What was shredded stays shredded, not "not found" and not opened by the new key.
    expect(codeOf(() => openFieldText(stored.get('alice-7f3c')!, place('alice-7f3c'), keyring.resolve))).toBe(
      'ERR_PRIVACY_KEY_SHREDDED',
    );
    expect(audit.events.at(-1)).toMatchObject({
      action: 'privacy.key.create',
      actor: 'officer-12',
      details: { afterShred: true, version: 2 },
    });
  });

  it('honours an erasure request that comes before any data: no key is ever made', async () => {
    expect(await subjects.shred('dave-0a1b', 'officer-3')).toEqual({
      keyId: 'subject.dave-0a1b',
      versionsDestroyed: 0,
      alreadyShredded: false,
    });
    expect(await rejected(subjects.subjectKey('dave-0a1b'))).toMatchObject({
      code: 'ERR_PRIVACY_KEY_SHREDDED',
    });
  });

  it('keeps only a bounded number of subject keys in memory, and loads the others again on demand', async () => {
    const small = await startKeyring(await db.open(), kek, { maxCachedSubjects: 1 });
    for (const subject of ['bob-5d1e', 'carol-9c61', 'bob-5d1e']) {
      const value = stored.get(subject)!;
      expect((await openWithKeyring(small.keyring, value, place(subject))).toString()).toBe(nameOf(subject));
    }
    expect(codeOf(() => small.keyring.resolve(subjectKeyId('carol-9c61'), 1))).toBe(
      'ERR_PRIVACY_KEY_NOT_FOUND',
    );
    await small.keyring.stop();
  });

  it('refuses a subject id that cannot be a key id', async () => {
    for (const bad of ['', 'has space', 'colon:inside', 'x'.repeat(121)]) {
      expect(await rejected(subjects.shred(bad, 'officer-1'))).toMatchObject({ code: 'ERR_PRIVACY_INVALID' });
    }
    expect(await rejected(subjects.shred('bob-5d1e', ''))).toMatchObject({ code: 'ERR_PRIVACY_INVALID' });
    expect(openFieldText(stored.get('bob-5d1e')!, place('bob-5d1e'), keyring.resolve)).toBe(
      nameOf('bob-5d1e'),
    );
  });
});
