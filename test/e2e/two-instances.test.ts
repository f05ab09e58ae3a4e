import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IdentityServices } from '@onegate/identity';
import type { Store } from '@onegate/store';
import { createTestDatabase, postgresUrl, type TestDatabase } from '@onegate/store/testing';
import { Browser } from './support/browser.ts';
import { identityAdmin, type IdentityAdmin } from './support/identity-admin.ts';
import { freePort } from './support/platform.ts';
import { serveProcess, type ServeProcess } from './support/serve-process.ts';

const PASSWORD = 'correct horse battery staple 42';

// Two OneGate processes behind one issuer URL, sharing one PostgreSQL database.
describe.runIf(postgresUrl)('two instances on one PostgreSQL', () => {
  let db: TestDatabase;
  let store: Store;
  let admin: IdentityServices;
  let adminKeys: IdentityAdmin | undefined;
  let first: ServeProcess;
  let second: ServeProcess;
  let issuer: string;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'onegate-two-'));
    const env = {
      ONEGATE_DATABASE_URL: db.location.databaseUrl!,
      // One master key for both, as an orchestrator gives every instance the same secret.
      ONEGATE_DATA_DIR: dataDir,
      ONEGATE_ISSUER: issuer,
      ONEGATE_LOG_LEVEL: 'info',
    };
    first = await serveProcess({ ...env, ONEGATE_PORT: String(port) });
    second = await serveProcess({ ...env, ONEGATE_PORT: '0' });
    // A third party to the database, like the CLI: registers apps and accounts.
    store = await db.open();
    // The servers' own master key and privacy KEK, from the shared data folder.
    adminKeys = await identityAdmin(store, dataDir, issuer);
    admin = adminKeys.services;
    await admin.accounts.create({ username: 'li.wei', password: PASSWORD });
  });

  afterAll(async () => {
    expect(await second?.stop()).toBe(0);
    expect(await first?.stop()).toBe(0);
    await adminKeys?.stop();
    await db?.drop();
  });

  async function app(name: string, server: string) {
    const redirectUri = `http://127.0.0.1:9/${name}/cb`;
    const { client, clientSecret } = await admin.clients.add({
      name,
      redirectUris: [redirectUri],
      firstParty: true,
    });
    // Discovery names the issuer's endpoints; `server` is where this app's requests actually land.
    const config = await oidc.discovery(new URL(issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    return { redirectUri, url: url.toString().replace(issuer, server), config, verifier };
  }

  it('signs in on one instance and finds the session on the other', async () => {
    const browser = new Browser();
    const a = await app('a', first.url);
    const login = await browser.visit(a.url, a.redirectUri);
    const callbackA = await browser.submit(login, { username: 'li.wei', password: PASSWORD }, a.redirectUri);
    expect(callbackA.redirected).toBe(true);

    // Cookies are per host, not per port: the same browser reaches the second instance signed in.
    const b = await app('b', second.url);
    const callbackB = await browser.visit(b.url, b.redirectUri);
    expect(callbackB.redirected).toBe(true);
    const tokens = await oidc.authorizationCodeGrant(b.config, new URL(callbackB.url), {
      pkceCodeVerifier: b.verifier,
      idTokenExpected: true,
    });
    expect(tokens.claims()?.acr).toBe('urn:onegate:acr:low');
  });

  it('refuses a busy client on every instance within a second of it being disabled elsewhere', async () => {
    const { client, clientSecret } = await admin.clients.add({
      name: 'Busy records service',
      scopes: ['audit:write'],
    });
    const grant = (server: string) =>
      fetch(`${server}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${client.clientId}:${clientSecret!}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials&scope=audit%3Awrite',
      });
    // Used a few times on each instance first, so each has it in memory.
    for (let i = 0; i < 3; i++) {
      for (const server of [first.url, second.url]) expect((await grant(server)).status).toBe(200);
    }
    await admin.clients.setDisabled(client.clientId, true);
    const deadline = Date.now() + 1000;
    let statuses: number[] = [];
    while (Date.now() < deadline) {
      statuses = [(await grant(first.url)).status, (await grant(second.url)).status];
      if (statuses.every((status) => status === 401)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(statuses).toEqual([401, 401]);
  });

  it('serves a rotated signing key from every instance within a second, without a restart', async () => {
    const kids = async (server: string) =>
      ((await (await fetch(`${server}/jwks`)).json()) as { keys: Array<{ kid: string }> }).keys.map(
        (k) => k.kid,
      );
    const published = await admin.keys.rotate({ alg: 'ES256', verifyFor: 3600 });
    expect(published.step).toBe('published');
    const deadline = Date.now() + 1000;
    let seen: [string[], string[]] = [[], []];
    while (Date.now() < deadline) {
      seen = [await kids(first.url), await kids(second.url)];
      if (seen.every((list) => list.includes(published.kid))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen[0]).toContain(published.kid);
    expect(seen[1]).toContain(published.kid);

    const promoted = await admin.keys.rotate({ alg: 'ES256', verifyFor: 3600 });
    expect(promoted).toMatchObject({ step: 'promoted', kid: published.kid });
    // After promotion both instances sign with the new key; the old one stays published for verification.
    let header: { kid?: string } = {};
    for (let i = 0; i < 20; i++) {
      const login = await app('c', second.url);
      // Both instances sit behind the issuer's URL, so forms come from the issuer's origin.
      const browser = new Browser({ origin: issuer });
      const page = await browser.visit(login.url, login.redirectUri);
      const callback = await browser.submit(
        page,
        { username: 'li.wei', password: PASSWORD },
        login.redirectUri,
      );
      const tokens = await oidc.authorizationCodeGrant(login.config, new URL(callback.url), {
        pkceCodeVerifier: login.verifier,
      });
      header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()) as {
        kid?: string;
      };
      if (header.kid === published.kid) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(header.kid).toBe(published.kid);
    expect(await kids(first.url)).toContain(promoted.step === 'promoted' ? promoted.previousKid : '');
  });
});
