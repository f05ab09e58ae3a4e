import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, importJWK, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHeader, rewrapColumn, type Keyring, type KeyEncryptionKey } from '@onegate/privacy';
import type { Change, Store } from '@onegate/store';
import { createTestDatabase, engines, eventually, type TestDatabase } from '@onegate/store/testing';
import {
  identityKeysMigrations,
  jwkThumbprint,
  seal,
  SigningKeys,
  SIGNING_KEYS_TOPIC,
  type SigningJwk,
} from '../src/keys/index.ts';
import { identityEncryptedColumns } from '../src/index.ts';
import { generateSigningKey } from '../src/keys/signing-algorithms.ts';
import { newKek, startTestKeyring } from './support/keyring.ts';

const HOUR = 3_600_000;

async function sign(jwk: SigningJwk): Promise<string> {
  return new SignJWT({ sub: 'citizen-1' })
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid })
    .setIssuer('https://onegate.test')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(await importJWK(jwk, jwk.alg));
}

async function verifies(token: string, publicJwks: SigningJwk[]): Promise<boolean> {
  try {
    await jwtVerify(token, createLocalJWKSet({ keys: publicJwks }), { issuer: 'https://onegate.test' });
    return true;
  } catch {
    return false;
  }
}

/** The first key of `alg`, which is the one oidc-provider signs with. */
function signer(keys: SigningJwk[], alg: string): SigningJwk {
  return keys.find((k) => k.alg === alg)!;
}

describe.each(engines)('signing keys on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let other: Store;
  let masterKey: KeyObject;
  const kek: KeyEncryptionKey = newKek();
  let keyring: Keyring;
  let otherKeyring: Keyring;
  let clock = Date.UTC(2030, 0, 1);
  let keys: SigningKeys;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    other = await db.open();
    await Promise.all([store.migrate(identityKeysMigrations), other.migrate(identityKeysMigrations)]);
    keyring = await startTestKeyring(store, { kek });
    otherKeyring = await startTestKeyring(other, { kek });
    masterKey = createSecretKey(randomBytes(32));
    keys = new SigningKeys({ store, keyring, masterKey, now: () => clock });
  });
  afterAll(async () => {
    await keyring?.stop();
    await otherKeyring?.stop();
    await db?.drop();
  });

  it('says to initialize when there are no keys yet', async () => {
    await expect(keys.load()).rejects.toMatchObject({ code: 'ERR_NOT_INITIALIZED' });
  });

  it('creates one ES256 and one RS256 key even when two processes ensure at once', async () => {
    const elsewhere = new SigningKeys({ store: other, keyring: otherKeyring, masterKey, now: () => clock });
    const [a, b] = await Promise.all([keys.ensure(['ES256', 'RS256']), elsewhere.ensure(['RS256', 'ES256'])]);
    expect([...a, ...b].map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    expect(await keys.ensure(['ES256', 'RS256'])).toEqual([]);
    const listed = await keys.list();
    expect(listed.map((k) => [k.alg, k.state]).sort()).toEqual([
      ['ES256', 'current'],
      ['RS256', 'current'],
    ]);
    expect(listed[0]).toMatchObject({ createdAt: clock, promotedAt: clock });
    expect(listed[0]!.retireAfter).toBeUndefined();
  });

  it('stores no private key material in the clear', async () => {
    const rows = await store.query<{ public_jwk: string; sealed_private_jwk: string }>(
      'SELECT public_jwk, sealed_private_jwk FROM identity_signing_keys',
    );
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.sealed_private_jwk).toMatch(/^og1:a256gcm:identity\.signing_keys\.private_jwk:1:/);
      expect(row.sealed_private_jwk).not.toContain('"d"');
      expect(row.public_jwk).not.toContain('"d"');
      expect(Object.keys(JSON.parse(row.public_jwk) as object)).not.toContain('p');
    }
  });

  it('loads private JWKs with kid, alg and use, and publishes only their public halves', async () => {
    const { keys: loaded, publicJwks } = await keys.load();
    expect(loaded.map((k) => k.alg)).toEqual(['ES256', 'RS256']);
    for (const [i, jwk] of loaded.entries()) {
      expect(jwk).toMatchObject({ use: 'sig', d: expect.any(String) as string });
      expect(jwk.kid).toBe(jwkThumbprint(jwk));
      expect(publicJwks[i]!.kid).toBe(jwk.kid);
      expect(
        Object.keys(publicJwks[i]!).filter((m) => ['d', 'p', 'q', 'dp', 'dq', 'qi'].includes(m)),
      ).toEqual([]);
    }
    expect(signer(loaded, 'RS256').n).toHaveLength(512); // 3072 bits
    expect(signer(loaded, 'ES256').crv).toBe('P-256');
  });

  it('signs tokens that verify against the published JWKS', async () => {
    const { keys: loaded, publicJwks } = await keys.load();
    for (const alg of ['ES256', 'RS256']) {
      expect(await verifies(await sign(signer(loaded, alg)), publicJwks)).toBe(true);
    }
    // Another key-encryption key cannot even start a keyring on this database.
    await expect(startTestKeyring(store)).rejects.toMatchObject({ code: 'ERR_PRIVACY_KEK' });
  });

  it('rotates in two steps: publishes the next key, then promotes it and keeps the old one as previous', async () => {
    const heard: Change[] = [];
    const unsubscribe = await other.subscribe(SIGNING_KEYS_TOPIC, (c) => heard.push(c));
    const before = await keys.load();
    const oldKey = signer(before.keys, 'ES256');
    const oldToken = await sign(oldKey);

    const published = await keys.rotate({ alg: 'ES256', verifyFor: HOUR });
    expect(published.step).toBe('published');
    await eventually(() => heard.length >= 1);
    let now = await keys.load();
    expect(now.publicJwks.map((k) => k.kid)).toContain(published.kid);
    // Still signing with the old key: relying parties may not have fetched the new one yet.
    expect(signer(now.keys, 'ES256').kid).toBe(oldKey.kid);
    expect(now.keys.findIndex((k) => k.kid === published.kid)).toBeGreaterThan(
      now.keys.findIndex((k) => k.kid === oldKey.kid),
    );

    clock += HOUR;
    const promoted = await keys.rotate({ alg: 'ES256', verifyFor: HOUR });
    expect(promoted).toEqual({ step: 'promoted', kid: published.kid, previousKid: oldKey.kid });
    await eventually(() => heard.length >= 2);
    unsubscribe();
    now = await keys.load();
    expect(signer(now.keys, 'ES256').kid).toBe(published.kid);
    expect(now.keys.slice(0, 2).map((k) => k.alg)).toEqual(['ES256', 'RS256']);
    expect(now.keys[2]!.kid).toBe(oldKey.kid); // previous comes last
    expect(await verifies(oldToken, now.publicJwks)).toBe(true);
    expect(await verifies(await sign(signer(now.keys, 'ES256')), now.publicJwks)).toBe(true);

    const listed = await keys.list();
    expect(listed.find((k) => k.kid === oldKey.kid)).toMatchObject({
      state: 'previous',
      retireAfter: clock + HOUR,
    });
    expect(listed.find((k) => k.kid === published.kid)).toMatchObject({
      state: 'current',
      promotedAt: clock,
    });
    expect(heard.every((c) => c.topic === SIGNING_KEYS_TOPIC)).toBe(true);
  });

  it('retires previous keys once their time has passed', async () => {
    const previous = (await keys.list()).find((k) => k.state === 'previous')!;
    const token = await sign((await keys.load()).keys.find((k) => k.kid === previous.kid)!);
    expect(await keys.retireExpired()).toEqual([]);
    clock = previous.retireAfter! + 1;
    expect(await keys.retireExpired()).toEqual([previous.kid]);
    const { keys: loaded, publicJwks } = await keys.load();
    expect(publicJwks.map((k) => k.kid)).not.toContain(previous.kid);
    expect(loaded.map((k) => k.kid)).not.toContain(previous.kid);
    expect(await verifies(token, publicJwks)).toBe(false);
    const row = await store.one<{ sealed_private_jwk: string | null; public_jwk: string }>(
      'SELECT sealed_private_jwk, public_jwk FROM identity_signing_keys WHERE kid = $1',
      [previous.kid],
    );
    expect(row.sealed_private_jwk).toBeNull();
    expect((JSON.parse(row.public_jwk) as SigningJwk).kid).toBe(previous.kid);
    expect((await keys.list()).find((k) => k.kid === previous.kid)).toMatchObject({
      state: 'retired',
      retiredAt: clock,
    });
    expect(await keys.retireExpired()).toEqual([]);
  });

  it('adds an optional EdDSA key and refuses to rotate an algorithm that has none', async () => {
    await expect(keys.rotate({ alg: 'EdDSA', verifyFor: HOUR })).rejects.toMatchObject({
      code: 'ERR_KEY_UNAVAILABLE',
    });
    expect(await keys.ensure(['ES256', 'EdDSA'])).toEqual([
      { alg: 'EdDSA', kid: expect.any(String) as string },
    ]);
    const { keys: loaded, publicJwks } = await keys.load();
    expect(loaded.map((k) => k.alg)).toEqual(['ES256', 'RS256', 'EdDSA']);
    expect(await verifies(await sign(signer(loaded, 'EdDSA')), publicJwks)).toBe(true);
    await expect(keys.rotate({ alg: 'ES256', verifyFor: 0 })).rejects.toMatchObject({
      code: 'ERR_KEY_UNAVAILABLE',
    });
  });

  it('refuses a sealed private key copied onto another key row', async () => {
    const rows = await store.query<{ kid: string; sealed_private_jwk: string }>(
      "SELECT kid, sealed_private_jwk FROM identity_signing_keys WHERE state = 'current' AND alg IN ('ES256', 'EdDSA') ORDER BY alg",
    );
    const [es, ed] = rows;
    await store.exec('UPDATE identity_signing_keys SET sealed_private_jwk = $2 WHERE kid = $1', [
      ed!.kid,
      es!.sealed_private_jwk,
    ]);
    await expect(keys.load()).rejects.toMatchObject({
      code: 'ERR_KEY_UNAVAILABLE',
      message: expect.stringContaining(ed!.kid) as string,
    });
    await store.exec('UPDATE identity_signing_keys SET sealed_private_jwk = $2 WHERE kid = $1', [
      ed!.kid,
      ed!.sealed_private_jwk,
    ]);
    await expect(keys.load()).resolves.toBeDefined();
  });

  it('opens every key after its sealing key is rotated and the column rewrapped', async () => {
    const before = await keys.load();
    const column = identityEncryptedColumns.find((c) => c.keyId === 'identity.signing_keys.private_jwk')!;
    const { primaryVersion } = await keyring.rotate(column.keyId, 'test');
    const result = await rewrapColumn({ store, keyring, ...column });
    expect(result).toMatchObject({ completed: true, unreadable: 0 });
    const rows = await store.query<{ sealed_private_jwk: string }>(
      'SELECT sealed_private_jwk FROM identity_signing_keys WHERE sealed_private_jwk IS NOT NULL',
    );
    for (const row of rows) expect(readHeader(row.sealed_private_jwk).version).toBe(primaryVersion);
    expect((await keys.load()).keys).toEqual(before.keys);
  });

  it('still opens private keys sealed under the master key before the keyring, and reseals them', async () => {
    const key = await generateSigningKey('ES256');
    const { kid } = key.publicJwk;
    await store.exec(
      `INSERT INTO identity_signing_keys (kid, alg, state, public_jwk, sealed_private_jwk, created_at)
       VALUES ($1, 'ES256', 'next', $2, $3, $4)`,
      [
        kid,
        JSON.stringify(key.publicJwk),
        seal(masterKey, JSON.stringify(key.privateJwk), `signing-key:${kid}`),
        clock,
      ],
    );
    const before = await keys.load();
    expect(before.publicJwks.map((k) => k.kid)).toContain(kid);

    expect(await keys.resealLegacy()).toBe(1);
    const row = await store.one<{ sealed_private_jwk: string }>(
      'SELECT sealed_private_jwk FROM identity_signing_keys WHERE kid = $1',
      [kid],
    );
    expect(row.sealed_private_jwk).toMatch(/^og1:a256gcm:identity\.signing_keys\.private_jwk:/);
    const after = await keys.load();
    const resealed = after.keys.find((k) => k.kid === kid)!;
    expect(resealed.d).toBe(key.privateJwk.d);
    expect(await verifies(await sign(resealed), after.publicJwks)).toBe(true);
    expect(await keys.resealLegacy()).toBe(0);
    // Another instance with the same KEK opens it too.
    const elsewhere = new SigningKeys({ store: other, keyring: otherKeyring, masterKey, now: () => clock });
    expect((await elsewhere.load()).keys.map((k) => k.kid)).toContain(kid);
    await store.exec('DELETE FROM identity_signing_keys WHERE kid = $1', [kid]);
  });

  it('refuses to reseal a sealed box that is not the key its row names', async () => {
    const key = await generateSigningKey('ES256');
    const stranger = await generateSigningKey('ES256');
    const { kid } = key.publicJwk;
    await store.exec(
      `INSERT INTO identity_signing_keys (kid, alg, state, public_jwk, sealed_private_jwk, created_at)
       VALUES ($1, 'ES256', 'next', $2, $3, $4)`,
      [
        kid,
        JSON.stringify(key.publicJwk),
        seal(masterKey, JSON.stringify(stranger.privateJwk), `signing-key:${kid}`),
        clock,
      ],
    );
    await expect(keys.resealLegacy()).rejects.toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
    await store.exec('DELETE FROM identity_signing_keys WHERE kid = $1', [kid]);
  });
});
