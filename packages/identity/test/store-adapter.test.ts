import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { identityMigrations } from '../src/identity.ts';
import { storeAdapter, sweepExpired } from '../src/provider/store-adapter.ts';

const T0 = Date.UTC(2030, 0, 1);

describe.each(engines)('oidc-provider store adapter on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let other: Store;
  let Adapter: new (model: string) => Adapter;
  let serial = 0;
  const clientLookups: string[] = [];
  const registered: Record<string, AdapterPayload> = {
    og_portal: {
      client_id: 'og_portal',
      client_secret: 'from-the-registry',
      redirect_uris: ['https://a.example/cb'],
    },
  };

  /** A fresh id per use: every test shares one database. */
  function id(prefix: string): string {
    serial += 1;
    return `${prefix}-${serial}`;
  }

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    other = await db.open();
    for (const set of identityMigrations) await store.migrate(set);
    Adapter = storeAdapter(store, async (clientId) => {
      clientLookups.push(clientId);
      return registered[clientId];
    });
  });
  afterAll(() => db?.drop());
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('when an artifact is stored', () => {
    it('finds it again as it was stored', async () => {
      const sessions = new Adapter('Session');
      const key = id('session');
      const payload: AdapterPayload = {
        jti: key,
        uid: id('uid'),
        kind: 'Session',
        accountId: 'account-1',
        loginTs: 1_900_000_000,
        authorizations: { og_portal: { sid: 'sid-1', grantId: 'grant-x', persistsLogout: false } },
        acr: 'urn:onegate:acr:substantial',
        amr: ['pwd'],
      };
      await sessions.upsert(key, payload, 3600);
      expect(await sessions.find(key)).toEqual(payload);
    });

    it('replaces it on a second upsert with the same id', async () => {
      const tokens = new Adapter('AccessToken');
      const key = id('at');
      await tokens.upsert(key, { jti: key, accountId: 'a', grantId: 'g-old' }, 3600);
      await tokens.upsert(key, { jti: key, accountId: 'b', grantId: 'g-new' }, 3600);
      expect(await tokens.find(key)).toEqual({ jti: key, accountId: 'b', grantId: 'g-new' });
    });

    it('keeps models apart: the same id in two models is two artifacts', async () => {
      const key = id('shared');
      await new Adapter('AccessToken').upsert(key, { jti: key, kind: 'AccessToken' }, 60);
      await new Adapter('RefreshToken').upsert(key, { jti: key, kind: 'RefreshToken' }, 60);
      expect(await new Adapter('AccessToken').find(key)).toMatchObject({ kind: 'AccessToken' });
      expect(await new Adapter('RefreshToken').find(key)).toMatchObject({ kind: 'RefreshToken' });
      expect(await new Adapter('AuthorizationCode').find(key)).toBeUndefined();
    });

    it('finds nothing for an id never stored', async () => {
      expect(await new Adapter('Session').find('never-stored')).toBeUndefined();
    });

    it('is seen by every instance on the same database', async () => {
      const key = id('grant');
      await new Adapter('Grant').upsert(key, { jti: key, accountId: 'a', clientId: 'og_portal' }, 3600);
      const elsewhere = storeAdapter(other, async () => undefined);
      expect(await new elsewhere('Grant').find(key)).toEqual({
        jti: key,
        accountId: 'a',
        clientId: 'og_portal',
      });
    });
  });

  describe('when an artifact expires', () => {
    it('is not found once its lifetime has passed, by id, uid or user code', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(T0);
      const [code, session, device] = [id('code'), id('session'), id('device')];
      const [uid, userCode] = [id('uid'), id('USER-CODE')];
      await new Adapter('AuthorizationCode').upsert(code, { jti: code, grantId: id('g') }, 1);
      await new Adapter('Session').upsert(session, { jti: session, uid }, 1);
      await new Adapter('DeviceCode').upsert(device, { jti: device, userCode }, 1);

      vi.setSystemTime(T0 + 999);
      expect(await new Adapter('AuthorizationCode').find(code)).toBeDefined();
      expect(await new Adapter('Session').findByUid(uid)).toBeDefined();
      expect(await new Adapter('DeviceCode').findByUserCode(userCode)).toBeDefined();

      vi.setSystemTime(T0 + 1000);
      expect(await new Adapter('AuthorizationCode').find(code)).toBeUndefined();
      expect(await new Adapter('Session').find(session)).toBeUndefined();
      expect(await new Adapter('Session').findByUid(uid)).toBeUndefined();
      expect(await new Adapter('DeviceCode').findByUserCode(userCode)).toBeUndefined();
    });

    it('never expires when stored without a lifetime', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(T0);
      const key = id('grant');
      await new Adapter('Grant').upsert(key, { jti: key }, 0);
      vi.setSystemTime(T0 + 10 * 365 * 24 * 3600 * 1000);
      expect(await new Adapter('Grant').find(key)).toEqual({ jti: key });
      expect(await sweepExpired(store, Date.now())).toBeGreaterThanOrEqual(0);
      expect(await new Adapter('Grant').find(key)).toEqual({ jti: key });
    });

    it('is deleted by the sweeper once expired, and only then', async () => {
      const now = Date.now();
      const [shortLived, longLived, forever] = [id('short'), id('long'), id('forever')];
      const tokens = new Adapter('AccessToken');
      await tokens.upsert(shortLived, { jti: shortLived }, 1);
      await tokens.upsert(longLived, { jti: longLived }, 3600);
      await tokens.upsert(forever, { jti: forever }, 0);
      const rows = async () =>
        (
          await store.query<{ id: string }>(
            'SELECT id FROM oidc_payloads WHERE id IN ($1, $2, $3) ORDER BY id',
            [shortLived, longLived, forever],
          )
        ).map((row) => row.id);

      expect(await sweepExpired(store, now - 1000)).toBe(0);
      expect(await rows()).toHaveLength(3);
      expect(await sweepExpired(store, now + 5000)).toBeGreaterThanOrEqual(1);
      expect(await rows()).toEqual([forever, longLived].sort());
    });
  });

  describe('when an artifact is consumed', () => {
    it('is still found, marked consumed at the time in epoch seconds', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(T0 + 1500);
      const codes = new Adapter('AuthorizationCode');
      const key = id('code');
      await codes.upsert(key, { jti: key, grantId: id('g') }, 60);
      expect(await codes.find(key)).not.toHaveProperty('consumed');
      await codes.consume(key);
      expect(await codes.find(key)).toMatchObject({ jti: key, consumed: Math.floor((T0 + 1500) / 1000) });
    });

    it('marks only that model’s artifact', async () => {
      const key = id('code');
      await new Adapter('AuthorizationCode').upsert(key, { jti: key }, 60);
      await new Adapter('RefreshToken').upsert(key, { jti: key }, 60);
      await new Adapter('AuthorizationCode').consume(key);
      expect(await new Adapter('RefreshToken').find(key)).not.toHaveProperty('consumed');
    });
  });

  describe('when looking up by uid or user code', () => {
    it('finds a session by its uid and a device code by its user code, within their model', async () => {
      const [session, uid] = [id('session'), id('uid')];
      const [device, userCode] = [id('device'), id('ABCD-EFGH')];
      await new Adapter('Session').upsert(session, { jti: session, uid, accountId: 'a' }, 600);
      await new Adapter('DeviceCode').upsert(device, { jti: device, userCode, clientId: 'og_tv' }, 600);
      expect(await new Adapter('Session').findByUid(uid)).toEqual({ jti: session, uid, accountId: 'a' });
      expect(await new Adapter('DeviceCode').findByUserCode(userCode)).toEqual({
        jti: device,
        userCode,
        clientId: 'og_tv',
      });
      expect(await new Adapter('Session').findByUid('no-such-uid')).toBeUndefined();
      expect(await new Adapter('DeviceCode').findByUserCode('NO-SUCH')).toBeUndefined();
      expect(await new Adapter('Interaction').findByUid(uid)).toBeUndefined();
      expect(await new Adapter('Session').findByUserCode(userCode)).toBeUndefined();
    });

    it('follows the uid when a session is upserted with a new one', async () => {
      const [session, first, second] = [id('session'), id('uid'), id('uid')];
      const sessions = new Adapter('Session');
      await sessions.upsert(session, { jti: session, uid: first }, 600);
      await sessions.upsert(session, { jti: session, uid: second }, 600);
      expect(await sessions.findByUid(first)).toBeUndefined();
      expect(await sessions.findByUid(second)).toEqual({ jti: session, uid: second });
    });
  });

  describe('when an artifact is destroyed', () => {
    it('is gone, and the same id in another model stays', async () => {
      const key = id('x');
      await new Adapter('Session').upsert(key, { jti: key, uid: id('uid') }, 600);
      await new Adapter('Interaction').upsert(key, { jti: key }, 600);
      await new Adapter('Session').destroy(key);
      expect(await new Adapter('Session').find(key)).toBeUndefined();
      expect(await new Adapter('Interaction').find(key)).toEqual({ jti: key });
      await expect(new Adapter('Session').destroy(key)).resolves.toBeUndefined();
    });
  });

  describe('when a grant is revoked', () => {
    it("removes every model's artifacts of that grant and nothing else", async () => {
      const [revoked, kept] = [id('grant'), id('grant')];
      const artifacts: Array<[string, string, string | undefined]> = [
        ['AccessToken', id('at'), revoked],
        ['RefreshToken', id('rt'), revoked],
        ['AuthorizationCode', id('code'), revoked],
        ['DeviceCode', id('device'), revoked],
        ['AccessToken', id('at'), kept],
        ['RefreshToken', id('rt'), kept],
        ['Session', id('session'), undefined],
        ['Grant', revoked, undefined],
      ];
      for (const [model, key, grantId] of artifacts) {
        await new Adapter(model).upsert(key, grantId ? { jti: key, grantId } : { jti: key }, 600);
      }
      await new Adapter('AccessToken').revokeByGrantId(revoked);

      const remaining: string[] = [];
      for (const [model, key] of artifacts)
        if (await new Adapter(model).find(key)) remaining.push(`${model}:${key}`);
      expect(remaining).toEqual(
        artifacts.filter(([, , grantId]) => grantId !== revoked).map(([model, key]) => `${model}:${key}`),
      );
    });
  });

  describe('when oidc-provider asks for a client', () => {
    it('is answered by the client lookup, not by the payload table', async () => {
      await new Adapter('Client').upsert(
        'og_portal',
        { client_id: 'og_portal', client_secret: 'stale-copy' },
        0,
      );
      clientLookups.length = 0;
      expect(await new Adapter('Client').find('og_portal')).toEqual(registered['og_portal']);
      expect(clientLookups).toEqual(['og_portal']);
    });

    it('gets nothing for a client the lookup does not know, even with a row in the table', async () => {
      await new Adapter('Client').upsert('og_gone', { client_id: 'og_gone' }, 0);
      expect(await new Adapter('Client').find('og_gone')).toBeUndefined();
    });
  });
});
