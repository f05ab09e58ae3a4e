import { createSecretKey, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHeader, type Keyring } from '@onegate/privacy';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { accountMigrations } from '../src/accounts/account-migrations.ts';
import type { AuditEvent, AuditSink } from '../src/audit/audit-sink.ts';
import { Identity, identityMigrations, type IdentitySettings } from '../src/identity.ts';
import { identityServices, sealStoredData, type IdentityServices } from '../src/index.ts';
import { seal } from '../src/keys/index.ts';
import { generateSigningKey } from '../src/keys/signing-algorithms.ts';
import { PasswordHasher } from '../src/passwords/index.ts';
import { totpAt } from '../src/second-factors/index.ts';
import { startTestKeyring } from './support/keyring.ts';

const PASSWORD = 'Quiet-Lantern-Orbit-42';
const ADDRESS = '198.51.100.9';
const HASH_PARAMS = { memoryKiB: 19_456, timeCost: 2, parallelism: 1 };
const T0 = Date.UTC(2030, 0, 1);

class RecordingAudit implements AuditSink {
  readonly events: AuditEvent[] = [];

  async write(event: AuditEvent): Promise<void> {
    this.events.push(event);
  }
}

const SETTINGS: IdentitySettings = {
  issuer: 'http://127.0.0.1:9',
  development: true,
  sessionIdleSeconds: 3600,
  sessionMaxSeconds: 43_200,
  refreshTokenMaxSeconds: 2_592_000,
  outboundAllowedHosts: [],
  signingAlgs: ['ES256'],
  passwordHash: HASH_PARAMS,
};

type Row = Record<string, unknown>;

/**
 * A database written by OneGate before identity used the keyring: accounts
 * with plaintext name, phone and e-mail (schema identity-accounts 1), a TOTP
 * secret and a signing key sealed with the master key. Upgrading must keep
 * every sign-in working and leave no plaintext behind.
 */
describe.each(engines)('upgrading a database from before the keyring on %s', (engine) => {
  const masterKey = createSecretKey(randomBytes(32));
  const totpSecret = randomBytes(20);
  let db: TestDatabase;
  let store: Store;
  let keyring: Keyring;
  let services: IdentityServices;
  let legacyKid: string;
  const ids = {
    liWei: 'acct-li-wei',
    emailOnly: 'acct-email-only',
    landline: 'acct-a',
    sameLandline: 'acct-b',
  };

  async function insertLegacyAccount(
    id: string,
    fields: { username: string; phone?: string; email?: string; name?: string },
  ): Promise<void> {
    await store.exec(
      `INSERT INTO accounts (id, username, phone, email, name, password_hash, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
      [
        id,
        fields.username,
        fields.phone ?? null,
        fields.email ?? null,
        fields.name ?? null,
        await new PasswordHasher(HASH_PARAMS).hash(PASSWORD),
        T0,
      ],
    );
  }

  const rawRow = (id: string) => store.one<Row>('SELECT * FROM accounts WHERE id = $1', [id]);

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    for (const set of identityMigrations) {
      await store.migrate(
        set.owner === accountMigrations.owner ? { ...set, migrations: set.migrations.slice(0, 1) } : set,
      );
    }
    await insertLegacyAccount(ids.liWei, {
      username: 'li.wei',
      phone: '13800138000',
      email: 'li.wei@example.cn',
      name: '李伟',
    });
    await insertLegacyAccount(ids.emailOnly, { username: 'wang.fang', email: 'wang.fang@example.cn' });
    // Two spellings the old schema kept apart and the blind index takes for one number.
    await insertLegacyAccount(ids.landline, { username: 'zhao.one', phone: '1012345678' });
    await insertLegacyAccount(ids.sameLandline, { username: 'zhao.two', phone: '+861012345678' });
    await store.exec(
      `INSERT INTO identity_totp (account_id, sealed_secret, state, last_used_step, created_at, activated_at)
       VALUES ($1, $2, 'active', NULL, $3, $3)`,
      [ids.liWei, seal(masterKey, totpSecret, `totp:${ids.liWei}`), T0],
    );
    const key = await generateSigningKey('ES256');
    legacyKid = key.publicJwk.kid;
    await store.exec(
      `INSERT INTO identity_signing_keys (kid, alg, state, public_jwk, sealed_private_jwk, created_at, promoted_at)
       VALUES ($1, 'ES256', 'current', $2, $3, $4, $4)`,
      [
        legacyKid,
        JSON.stringify(key.publicJwk),
        seal(masterKey, JSON.stringify(key.privateJwk), `signing-key:${legacyKid}`),
        T0,
      ],
    );

    // The new version's schema, then its keyring and services.
    for (const set of identityMigrations) await store.migrate(set);
    keyring = await startTestKeyring(store);
    services = identityServices({
      store,
      audit: new RecordingAudit(),
      keyring,
      masterKey,
      passwordHash: HASH_PARAMS,
      development: true,
    });
  });
  afterAll(async () => {
    await keyring?.stop();
    await db?.drop();
  });

  it('reads and finds the plaintext rows before they are sealed', async () => {
    expect(Number((await rawRow(ids.liWei))['fields_sealed'])).toBe(0);
    expect(await services.accounts.lookup('+86 138 0013 8000')).toMatchObject({
      id: ids.liWei,
      name: '李伟',
      email: 'li.wei@example.cn',
    });
    const signIn = await services.accounts.signIn({
      login: 'wang.fang@example.cn',
      password: PASSWORD,
      address: ADDRESS,
    });
    expect(signIn).toMatchObject({ ok: true, account: { id: ids.emailOnly } });
    // A new account cannot take a number an unsealed row holds.
    await expect(
      services.accounts.create({ username: 'impostor', phone: '13800138000', password: PASSWORD }),
    ).rejects.toMatchObject({ code: 'ERR_ACCOUNT_EXISTS' });
  });

  it('seals everything when Identity starts, and every sign-in still works', async () => {
    const errors: unknown[] = [];
    const identity = await Identity.start({
      store,
      audit: new RecordingAudit(),
      keyring,
      masterKey,
      settings: SETTINGS,
      createKeys: false,
      onError: (err) => errors.push(err),
    });
    try {
      const row = await rawRow(ids.liWei);
      expect(Number(row['fields_sealed'])).toBe(1);
      const raw = JSON.stringify(row);
      for (const plain of ['13800138000', 'li.wei@example.cn', '李伟']) expect(raw).not.toContain(plain);
      expect(readHeader(row['phone'] as string).keyId).toBe('identity.accounts.phone');
      expect(row['phone_index']).toMatch(/^[\w-]{22}$/);
      const unsealed = await store.query('SELECT id FROM accounts WHERE fields_sealed = 0');
      expect(unsealed).toEqual([]);

      for (const login of ['13800138000', '+86 138-0013-8000', 'li.wei@example.cn', 'li.wei']) {
        const result = await identity.accounts.signIn({ login, password: PASSWORD, address: ADDRESS });
        expect(result).toMatchObject({
          ok: true,
          account: { id: ids.liWei, name: '李伟', phone: '13800138000' },
        });
      }

      const totp = await store.one<{ sealed_secret: string }>(
        'SELECT sealed_secret FROM identity_totp WHERE account_id = $1',
        [ids.liWei],
      );
      expect(readHeader(totp.sealed_secret).keyId).toBe('identity.totp.secret');
      expect(await identity.totp.verify(ids.liWei, totpAt(totpSecret, T0), T0)).toMatchObject({ ok: true });

      const key = await store.one<{ sealed_private_jwk: string }>(
        'SELECT sealed_private_jwk FROM identity_signing_keys WHERE kid = $1',
        [legacyKid],
      );
      expect(readHeader(key.sealed_private_jwk).keyId).toBe('identity.signing_keys.private_jwk');
      expect(identity.jwks.map((k) => k.kid)).toEqual([legacyKid]);

      // The second spelling of one number is sealed without its index and reported, not lost.
      expect(errors).toEqual([
        expect.objectContaining({
          code: 'ERR_ACCOUNT_EXISTS',
          message: expect.stringContaining(ids.sameLandline) as string,
        }),
      ]);
      expect(await identity.accounts.get(ids.sameLandline)).toMatchObject({ phone: '+861012345678' });
      expect((await rawRow(ids.sameLandline))['phone_index']).toBeNull();
      expect((await identity.accounts.lookup('1012345678')).id).toBe(ids.landline);
    } finally {
      await identity.close();
    }
  });

  it('finds nothing left to seal on the next start', async () => {
    expect(await sealStoredData(services, () => undefined)).toEqual({
      accounts: 0,
      totpSecrets: 0,
      signingKeys: 0,
    });
  });
});
