import { createSecretKey, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Keyring } from '@onegate/privacy';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import type { ValidatedClient } from '../src/clients/client-input.ts';
import { Identity, identityMigrations, type IdentitySettings } from '../src/identity.ts';
import { queueLogout } from '../src/provider/backchannel-retries.ts';
import { startTestKeyring } from './support/keyring.ts';

const SETTINGS: IdentitySettings = {
  issuer: 'http://127.0.0.1:9',
  development: false,
  sessionIdleSeconds: 3600,
  sessionMaxSeconds: 43_200,
  refreshTokenMaxSeconds: 2_592_000,
  outboundAllowedHosts: [],
  signingAlgs: ['ES256'],
  passwordHash: { memoryKiB: 19_456, timeCost: 2, parallelism: 1 },
};

/** An app's back-channel endpoint on this machine: counts every connection and every request. */
class Listener {
  connections = 0;
  readonly requests: string[] = [];
  #server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        this.requests.push(body);
        res.writeHead(200).end();
      });
    });
    this.#server.on('connection', () => (this.connections += 1));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}

/**
 * Registration refuses back-channel URIs on special-use addresses, but a row
 * stored before that check (or written by hand) may still hold one: OneGate
 * must then never contact it (ASVS 1.3.6), nor send a logout token over plain
 * http in production (ASVS 12.3.1).
 */
describe.each(engines)(
  'back-channel logout to a stored URI that registration refuses now, on %s',
  (engine) => {
    const target = new Listener();
    /** Allowed by the operator, but named with http. */
    const allowed = new Listener();
    let db: TestDatabase;
    let store: Store;
    let keyring: Keyring;
    let production: Identity;
    let development: Identity;
    let serial = 0;
    const audited: Array<{ action: string; outcome: string; reason?: string; clientId?: string }> = [];

    /** Stores a sign-in app with this back-channel URI as an older version would have, unchecked. */
    async function storedApp(backchannelLogoutUri: string): Promise<string> {
      serial += 1;
      const id = `og_stored_${serial}`;
      const client: ValidatedClient = {
        kind: 'app',
        name: `Old app ${serial}`,
        redirectUris: ['https://old.example.gov.cn/cb'],
        postLogoutRedirectUris: [],
        backchannelLogoutUri,
        public: true,
        scopes: ['openid'],
        department: undefined,
        firstParty: false,
        publicSubject: false,
        legacyRs256: false,
        auth: 'none',
      };
      await store.exec(
        `INSERT INTO clients (id, name, kind, metadata, secret_sealed, department, disabled, created_at, updated_at)
       VALUES ($1, $2, 'app', $3, NULL, NULL, 0, $4, $4)`,
        [id, client.name, JSON.stringify(client), Date.now()],
      );
      return id;
    }

    /** What oidc-provider does when a session ends: POST a logout token to the app's URI. */
    async function logout(identity: Identity, clientId: string): Promise<void> {
      const client = (await identity.provider.Client.find(clientId)) as unknown as {
        backchannelLogout(sub: string, sid: string): Promise<void>;
      };
      await client.backchannelLogout('account-1', 'sid-1');
    }

    const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

    beforeAll(async () => {
      await target.start();
      await allowed.start();
      db = await createTestDatabase(engine);
      store = await db.open();
      for (const set of identityMigrations) await store.migrate(set);
      keyring = await startTestKeyring(store);
      const common = {
        store,
        audit: {
          write: async (event: { action: string; outcome: string; reason?: string; clientId?: string }) =>
            void audited.push(event),
        },
        keyring,
        masterKey: createSecretKey(randomBytes(32)),
        createKeys: true,
        onError: (err: unknown) => {
          throw err;
        },
      };
      production = await Identity.start({
        ...common,
        settings: { ...SETTINGS, outboundAllowedHosts: [`127.0.0.1:${allowed.port}`] },
      });
      development = await Identity.start({ ...common, settings: { ...SETTINGS, development: true } });
    });
    afterAll(async () => {
      await production?.close();
      await development?.close();
      await keyring?.stop();
      await db?.drop();
      await target.stop();
      await allowed.stop();
    });

    it('delivers to loopback in development, so the listener would see a delivery', async () => {
      const id = await storedApp(`http://127.0.0.1:${target.port}/logout`);
      await logout(development, id);
      expect(target.requests).toHaveLength(1);
      expect(target.requests[0]).toMatch(/^logout_token=/);
      target.requests.length = 0;
      target.connections = 0;
    });

    it('never connects to a loopback address in production, however it is spelled', async () => {
      for (const uri of [
        `http://127.0.0.1:${target.port}/logout`,
        `https://127.0.0.1:${target.port}/logout`,
        `https://localhost:${target.port}/logout`,
        `https://2130706433:${target.port}/logout`,
        `https://0x7f.1:${target.port}/logout`,
        `https://[::ffff:127.0.0.1]:${target.port}/logout`,
      ]) {
        const id = await storedApp(uri);
        // oidc-provider's own guard would refuse too, but only once connected: the app's port is probed.
        await expect(logout(production, id), uri).rejects.toThrow();
        await settle();
        expect({ uri, connections: target.connections, requests: target.requests }).toEqual({
          uri,
          connections: 0,
          requests: [],
        });
      }
    });

    it('gives up a queued logout to a refused address at its first retry, audited target_refused, not retried for an hour', async () => {
      const id = await storedApp(`https://127.0.0.1:${target.port}/logout`);
      await queueLogout(store, { clientId: id, accountId: 'account-1', sid: 'sid-1', attempts: 1, dueAt: 0 });
      await production.deliverDueLogouts();
      const left = await store.query('SELECT id FROM backchannel_retries WHERE client_id = $1', [id]);
      expect(left).toEqual([]);
      expect(audited.filter((e) => e.clientId === id)).toEqual([
        expect.objectContaining({
          action: 'logout.backchannel',
          outcome: 'failure',
          reason: 'target_refused',
        }),
      ]);
      expect(target.connections).toBe(0);
    });

    it('never sends a logout token over plain http in production, even to a host the operator allowed', async () => {
      const id = await storedApp(`http://127.0.0.1:${allowed.port}/logout`);
      const refused = await logout(production, id).then(
        () => undefined,
        (err: unknown) => err as { code?: unknown; message?: unknown },
      );
      expect(refused?.code).toBe('ERR_OUTBOUND_REFUSED');
      expect(refused?.message).toMatch(/must use https/);
      await settle();
      expect({ connections: allowed.connections, requests: allowed.requests }).toEqual({
        connections: 0,
        requests: [],
      });
    });
  },
);
