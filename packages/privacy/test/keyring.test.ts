import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, eventually, type TestDatabase } from '@onegate/store/testing';
import {
  isPrivacyError,
  openFieldText,
  privacyMigrations,
  readHeader,
  sealField,
  type CipherAlgorithm,
  type FieldContext,
  type KeyEncryptionKey,
  type PrivacyErrorCode,
} from '../src/index.ts';
import { caught, codeOf, newKek, rejected, startKeyring } from './keyring-support.ts';

const place: FieldContext = { table: 'accounts', column: 'phone', row: 'a1' };
const ALGORITHMS: CipherAlgorithm[] = ['aes-256-gcm', 'sm4-ctr-hmac-sm3'];

function code(err: unknown): PrivacyErrorCode | undefined {
  return isPrivacyError(err) ? err.code : undefined;
}

describe.each(engines)('keyring on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  const kek = newKek();

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(privacyMigrations);
  });
  afterAll(() => db?.drop());

  describe.each(ALGORITHMS)('with %s', (algorithm) => {
    it('encrypts with the primary, opens decrypt-only versions, refuses retired and below-minimum ones', async () => {
      const { keyring, audit } = await startKeyring(store, kek, { algorithm });
      const keyId = `accounts.phone.${algorithm === 'aes-256-gcm' ? 'aes' : 'sm4'}`;
      const k1 = await keyring.primaryKey(keyId);
      expect(k1).toMatchObject({ keyId, version: 1, algorithm });
      const v1 = sealField(k1, '13812341234', place);
      expect(readHeader(v1)).toMatchObject({ keyId, version: 1, algorithm });
      expect(openFieldText(v1, place, keyring.resolve)).toBe('13812341234');

      // Rotation: a new primary encrypts; version 1 is decrypt-only and still opens.
      const rotated = await keyring.rotate(keyId, 'operator');
      expect(rotated.primaryVersion).toBe(2);
      expect(rotated.versions.map((v) => [v.version, v.state])).toEqual([
        [1, 'decrypt-only'],
        [2, 'primary'],
      ]);
      const k2 = await keyring.primaryKey(keyId);
      expect(k2.version).toBe(2);
      const v2 = sealField(k2, '13912345678', place);
      expect(openFieldText(v1, place, keyring.resolve)).toBe('13812341234');
      expect(openFieldText(v2, place, keyring.resolve)).toBe('13912345678');

      // Retired: refuses, and can be reinstated while its wrapped key exists.
      await keyring.retire(keyId, 1, 'operator');
      expect(code(caught(() => openFieldText(v1, place, keyring.resolve)))).toBe('ERR_PRIVACY_KEY_RETIRED');
      await keyring.reinstate(keyId, 1, 'operator');
      expect(openFieldText(v1, place, keyring.resolve)).toBe('13812341234');

      // Below the minimum version: refuses, whatever its state.
      await keyring.setMinVersion(keyId, 2, 'operator');
      const err = caught(() => openFieldText(v1, place, keyring.resolve));
      expect(code(err)).toBe('ERR_PRIVACY_KEY_RETIRED');
      expect((err as Error).message).toContain('minimum version 2');
      expect(openFieldText(v2, place, keyring.resolve)).toBe('13912345678');

      // Destroyed: the wrapped key is gone for good.
      await keyring.retire(keyId, 1, 'operator');
      const destroyed = await keyring.destroy(keyId, 1, 'operator');
      expect(destroyed.versions[0]).toMatchObject({ version: 1, state: 'retired', destroyed: true });
      expect(code(await rejected(keyring.ensure(keyId, 1)))).toBe('ERR_PRIVACY_KEY_RETIRED');
      expect(code(await rejected(keyring.reinstate(keyId, 1, 'operator')))).toBe('ERR_PRIVACY_INVALID');

      expect(audit.actions()).toEqual([
        'privacy.key.create',
        'privacy.key.rotate',
        'privacy.key.retire',
        'privacy.key.reinstate',
        'privacy.key.min_version',
        'privacy.key.retire',
        'privacy.key.destroy',
      ]);
      expect(audit.events.every((e) => e.outcome === 'success' && e.details?.['keyId'] === keyId)).toBe(true);
      await keyring.stop();
    });
  });

  it('makes version 1 on first use, once, even when asked at once', async () => {
    const { keyring, audit } = await startKeyring(store, kek);
    const keys = await Promise.all(Array.from({ length: 5 }, () => keyring.primaryKey('first.use')));
    expect(new Set(keys.map((k) => k.version))).toEqual(new Set([1]));
    expect(new Set(keys.map((k) => k.material))).toHaveProperty('size', 1);
    expect(audit.actions()).toEqual(['privacy.key.create']);
    expect(audit.events[0]).toMatchObject({ actor: 'system', details: { version: 1, purpose: 'field' } });
    expect(code(await rejected(keyring.primaryKey('never.made', { create: false })))).toBe(
      'ERR_PRIVACY_KEY_NOT_FOUND',
    );
    expect(code(caught(() => keyring.resolve('first.use', 9)))).toBe('ERR_PRIVACY_KEY_NOT_FOUND');
    expect(code(await rejected(keyring.ensure('first.use', 9)))).toBe('ERR_PRIVACY_KEY_NOT_FOUND');
    await keyring.stop();
  });

  it('switches a chain to another algorithm at rotation (crypto agility); old values still open', async () => {
    const { keyring } = await startKeyring(store, kek);
    const old = sealField(await keyring.primaryKey('agile.column'), 'value', place);
    await keyring.rotate('agile.column', 'operator', { algorithm: 'sm4-ctr-hmac-sm3' });
    const next = await keyring.primaryKey('agile.column');
    expect(next).toMatchObject({ version: 2, algorithm: 'sm4-ctr-hmac-sm3' });
    expect(readHeader(sealField(next, 'value', place)).algorithm).toBe('sm4-ctr-hmac-sm3');
    expect(openFieldText(old, place, keyring.resolve)).toBe('value');
    expect((await keyring.describe('agile.column')).algorithm).toBe('sm4-ctr-hmac-sm3');
    await keyring.stop();
  });

  it('refuses bad requests with a clear error and changes nothing', async () => {
    const { keyring, audit } = await startKeyring(store, kek);
    await keyring.primaryKey('careful.column');
    await keyring.rotate('careful.column', 'operator');
    const before = await keyring.describe('careful.column');
    const eventsBefore = audit.events.length;
    const attempts: Array<[() => Promise<unknown>, PrivacyErrorCode, string]> = [
      [() => keyring.retire('careful.column', 2, 'operator'), 'ERR_PRIVACY_INVALID', 'rotate it first'],
      [
        () => keyring.setMinVersion('careful.column', 3, 'operator'),
        'ERR_PRIVACY_INVALID',
        'would retire the primary',
      ],
      [() => keyring.destroy('careful.column', 1, 'operator'), 'ERR_PRIVACY_INVALID', 'retire it before'],
      [() => keyring.retire('careful.column', 7, 'operator'), 'ERR_PRIVACY_KEY_NOT_FOUND', 'no version 7'],
      [() => keyring.rotate('missing.column', 'operator'), 'ERR_PRIVACY_KEY_NOT_FOUND', 'no key'],
      [() => keyring.rotate('bad:id', 'operator'), 'ERR_PRIVACY_INVALID', 'key id'],
      [() => keyring.retire('careful.column', 0, 'operator'), 'ERR_PRIVACY_INVALID', 'key version'],
      [() => keyring.retire('careful.column', 1.5, 'operator'), 'ERR_PRIVACY_INVALID', 'key version'],
      [() => keyring.rotate('careful.column', ''), 'ERR_PRIVACY_INVALID', 'actor'],
      [
        () => keyring.rotate('careful.column', 'operator', { algorithm: 'des' as CipherAlgorithm }),
        'ERR_PRIVACY_INVALID',
        'algorithm',
      ],
    ];
    for (const [attempt, expected, message] of attempts) {
      const err = await rejected(attempt());
      expect(code(err)).toBe(expected);
      expect((err as Error).message).toContain(message);
    }
    await keyring.setMinVersion('careful.column', 2, 'operator');
    const lowered = await rejected(keyring.setMinVersion('careful.column', 1, 'operator'));
    expect((lowered as Error).message).toContain('only rises');
    const after = await keyring.describe('careful.column');
    expect({ ...after, minVersion: 1, updatedAt: before.updatedAt }).toEqual(before);
    expect(audit.events.length).toBe(eventsBefore + 1); // the one min-version change
    await keyring.stop();
  });

  it('stores data keys only wrapped, and a wrapped key moved to another row does not unwrap', async () => {
    const { keyring } = await startKeyring(store, kek);
    const a = await keyring.primaryKey('moved.a');
    const b = await keyring.primaryKey('moved.b');
    await keyring.rotate('moved.a', 'operator');
    const a2 = await keyring.primaryKey('moved.a');
    const rows = await store.query<{ key_id: string; version: number; wrapped: Buffer }>(
      "SELECT key_id, version, wrapped FROM privacy_key_versions WHERE key_id LIKE 'moved.%' ORDER BY key_id, version",
    );
    expect(rows).toHaveLength(3);
    for (const [row, key] of [
      [rows[0]!, a],
      [rows[1]!, a2],
      [rows[2]!, b],
    ] as const) {
      const material = key.material.export();
      expect(row.wrapped.length).toBeGreaterThan(material.length);
      expect(row.wrapped.includes(material)).toBe(false);
    }
    const aValue = sealField(a, 'a', place);
    const bValue = sealField(b, 'b', place);

    // Copy a's version 1 over b's version 1 (another key id) and over a's version 2 (another version).
    await store.exec(
      "UPDATE privacy_key_versions SET wrapped = $1 WHERE key_id = 'moved.b' AND version = 1",
      [rows[0]!.wrapped],
    );
    await store.exec(
      "UPDATE privacy_key_versions SET wrapped = $1 WHERE key_id = 'moved.a' AND version = 2",
      [rows[0]!.wrapped],
    );
    const other = await db.open();
    const fresh = await startKeyring(other, kek);
    for (const [keyId, version] of [
      ['moved.b', 1],
      ['moved.a', 2],
    ] as const) {
      const err = caught(() => fresh.keyring.resolve(keyId, version));
      expect(code(err)).toBe('ERR_PRIVACY_KEK');
      expect((err as Error).message).toContain('altered or moved');
    }
    expect(code(caught(() => openFieldText(bValue, place, fresh.keyring.resolve)))).toBe('ERR_PRIVACY_KEK');
    expect(code(await rejected(fresh.keyring.primaryKey('moved.b')))).toBe('ERR_PRIVACY_KEK');
    // The untouched version still opens; every failure was reported.
    expect(openFieldText(aValue, place, fresh.keyring.resolve)).toBe('a');
    expect(fresh.errors.filter((e) => code(e) === 'ERR_PRIVACY_KEK')).toHaveLength(2);
    await fresh.keyring.stop();
    await keyring.stop();
  });

  it('refuses to start with another KEK, and a KEK that unwraps wrongly fails per key', async () => {
    const { keyring } = await startKeyring(store, kek);
    await keyring.primaryKey('kek.check');
    await keyring.stop();

    const wrong = await rejected(startKeyring(store, newKek()));
    expect(code(wrong)).toBe('ERR_PRIVACY_KEK');
    expect((wrong as Error).message).toContain(kek.id);

    // A KEK claiming the right id but holding another key (a misconfigured KMS): unwrapping fails.
    const impostorKey = newKek();
    const impostor: KeyEncryptionKey = {
      id: kek.id,
      wrap: (dataKey, aad) => impostorKey.wrap(dataKey, aad),
      unwrap: (wrapped, aad) => impostorKey.unwrap(wrapped, aad),
    };
    const fooled = await startKeyring(store, kek, { kek: impostor });
    expect(code(caught(() => fooled.keyring.resolve('kek.check', 1)))).toBe('ERR_PRIVACY_KEK');
    expect(fooled.errors.length).toBeGreaterThan(0);
    await fooled.keyring.stop();
  });

  it('audits every lifecycle act without key material', async () => {
    const { keyring, audit } = await startKeyring(store, kek);
    const k1 = await keyring.primaryKey('audited.column', { actor: 'svc-import' });
    await keyring.rotate('audited.column', 'officer-1');
    const k2 = await keyring.primaryKey('audited.column');
    await keyring.retire('audited.column', 1, 'officer-1');
    await keyring.setMinVersion('audited.column', 2, 'officer-1');
    await keyring.shred('audited.column', 'officer-2');
    expect(audit.events.map((e) => [e.action, e.actor])).toEqual([
      ['privacy.key.create', 'svc-import'],
      ['privacy.key.rotate', 'officer-1'],
      ['privacy.key.retire', 'officer-1'],
      ['privacy.key.min_version', 'officer-1'],
      ['privacy.key.shred', 'officer-2'],
    ]);
    const text = JSON.stringify(audit.events);
    for (const material of [k1.material.export(), k2.material.export()]) {
      for (const encoding of ['hex', 'base64', 'base64url'] as const) {
        expect(text).not.toContain(material.toString(encoding).slice(0, 16));
      }
    }
    await keyring.stop();
  });

  it('lists shared chains with their versions and states', async () => {
    const { keyring } = await startKeyring(store, kek);
    const listed = await keyring.list();
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((c) => c.purpose !== 'subject' && c.versions.length > 0)).toBe(true);
    await keyring.stop();
  });
});

describe.each(engines)('KEK rotation on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  const kek = newKek();

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(privacyMigrations);
  });
  afterAll(() => db?.drop());

  it('rotates the KEK: keys are rewrapped under the new one and every value still opens', async () => {
    const { keyring } = await startKeyring(store, kek);
    const value = sealField(await keyring.primaryKey('kek.rotation'), 'still here', place);
    await keyring.stop();

    const next = newKek();
    const during = await startKeyring(store, next, { previousKeks: [kek] });
    expect(openFieldText(value, place, during.keyring.resolve)).toBe('still here');
    const result = await during.keyring.rewrapKeys('operator');
    expect(result.rewrapped).toBeGreaterThan(0);
    expect(during.audit.actions()).toEqual(['privacy.kek.rewrap']);
    const leftOver = await store.query(
      'SELECT key_id FROM privacy_key_versions WHERE kek_id <> $1 AND wrapped IS NOT NULL',
      [next.id],
    );
    expect(leftOver).toEqual([]);
    await during.keyring.stop();

    const after = await startKeyring(store, next);
    expect(openFieldText(value, place, after.keyring.resolve)).toBe('still here');
    await after.keyring.stop();
    expect(code(await rejected(startKeyring(store, kek)))).toBe('ERR_PRIVACY_KEK');
  });
});

describe.each(engines)('two keyrings on one %s database', (engine) => {
  let db: TestDatabase;
  const kek = newKek();

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await (await db.open()).migrate(privacyMigrations);
  });
  afterAll(() => db?.drop());

  it("see each other's new keys, rotations and retirements within a second", async () => {
    const a = await startKeyring(await db.open(), kek);
    const b = await startKeyring(await db.open(), kek);

    const v1 = sealField(await a.keyring.primaryKey('shared.column'), 'one', place);
    await eventually(() => b.keyring.cachedPrimaryKey('shared.column')?.version === 1, 1000);
    expect(openFieldText(v1, place, b.keyring.resolve)).toBe('one');

    await a.keyring.rotate('shared.column', 'operator');
    await eventually(() => b.keyring.cachedPrimaryKey('shared.column')?.version === 2, 1000);
    const v2 = sealField(b.keyring.cachedPrimaryKey('shared.column')!, 'two', place);
    expect(openFieldText(v2, place, a.keyring.resolve)).toBe('two');

    await b.keyring.retire('shared.column', 1, 'operator');
    await eventually(
      () => codeOf(() => a.keyring.resolve('shared.column', 1)) === 'ERR_PRIVACY_KEY_RETIRED',
      1000,
    );
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    await a.keyring.stop();
    await b.keyring.stop();
  });
});
