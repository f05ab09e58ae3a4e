import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '@onegate/store/testing';
import { cliDatabase, json, onegate, productionEnv, type CliDatabase } from './run-onegate.ts';

interface InitResult {
  master_key: { source: string; path?: string };
  privacy_kek: { source: string; path?: string };
  database: { migrated: boolean };
  signing_keys: { created: Array<{ alg: string; kid: string }> };
  admin_client: { created: boolean; client_id: string; client_secret?: string };
  nothing_created: boolean;
}

interface KeyInfo {
  kid: string;
  alg: string;
  state: string;
  retireAfter?: number;
}

// Each step spawns a fresh onegate (about a second), so a test of several steps takes a while.
describe.each(engines)('onegate init and keys (%s)', { timeout: 60_000 }, (engine) => {
  let db: CliDatabase;
  const run = (...args: string[]) => onegate(args, { ...db.env, ...productionEnv });

  beforeAll(async () => {
    db = await cliDatabase(engine);
  });
  afterAll(() => db.drop());

  it('refuses to work in production before init, telling to run it', async () => {
    const result = await run('client', 'list');
    expect(result).toMatchObject({ code: 1, stderr: 'onegate: no master key: run `onegate init`\n' });
    expect(existsSync(join(db.dataDir, 'master.key'))).toBe(false);
    expect(existsSync(join(db.dataDir, 'privacy-kek.key'))).toBe(false);
  });

  it('init creates the master key and privacy KEK (0600), signing keys and an admin client, once', async () => {
    const first = await run('init', '--json');
    expect(first.code).toBe(0);
    const created = json<InitResult>(first);
    const keyFile = join(db.dataDir, 'master.key');
    const kekFile = join(db.dataDir, 'privacy-kek.key');
    expect(created.master_key).toEqual({ source: 'created', path: keyFile });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(created.privacy_kek).toEqual({ source: 'created', path: kekFile });
    expect(statSync(kekFile).mode & 0o777).toBe(0o600);
    expect(created.database.migrated).toBe(true);
    expect(created.signing_keys.created.map((k) => k.alg)).toEqual(['ES256']);
    expect(created.admin_client.created).toBe(true);
    expect(created.admin_client.client_id).toMatch(/^og_/);
    expect(created.admin_client.client_secret).toMatch(/^[\w-]{43}$/);
    expect(created.nothing_created).toBe(false);

    const again = await run('init', '--json');
    expect(again.code).toBe(0);
    expect(json<InitResult>(again)).toEqual({
      master_key: { source: 'file', path: keyFile },
      privacy_kek: { source: 'file', path: kekFile },
      database: { dialect: engine, migrated: false },
      signing_keys: { created: [] },
      admin_client: { created: false, client_id: created.admin_client.client_id },
      nothing_created: true,
    });
    const text = await run('init');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Everything already exists; nothing was created.');
    expect(text.stdout).toMatch(/^privacy key: +exists, .*privacy-kek\.key$/m);

    const clients = json<Array<{ clientId: string; kind: string; scopes: string[] }>>(
      await run('client', 'list', '--json'),
    );
    expect(clients).toEqual([
      expect.objectContaining({
        clientId: created.admin_client.client_id,
        kind: 'service',
        scopes: ['admin'],
      }),
    ]);
  });

  it('rotates in two steps: publish a next key, then promote it', async () => {
    const before = json<KeyInfo[]>(await run('keys', 'list', '--json'));
    const oldKid = before.find((k) => k.alg === 'ES256' && k.state === 'current')!.kid;

    const published = await run('keys', 'rotate');
    expect(published.code).toBe(0);
    expect(published.stdout).toMatch(/^published next ES256 key (\S+); it does not sign yet\.$/m);
    expect(published.stdout).toContain(
      'Run `onegate keys rotate` again after clients have refreshed their JWKS cache',
    );
    const nextKid = /key (\S+);/.exec(published.stdout)![1]!;
    expect(json<KeyInfo[]>(await run('keys', 'list', '--json'))).toContainEqual(
      expect.objectContaining({ kid: nextKid, alg: 'ES256', state: 'next' }),
    );

    const started = Date.now();
    const promoted = await run('keys', 'rotate', '--json');
    expect(promoted.code).toBe(0);
    const result = json<{ step: string; kid: string; previousKid: string; retireAfter: number }>(promoted);
    expect(result).toMatchObject({ step: 'promoted', kid: nextKid, previousKid: oldKid });
    expect(result.retireAfter).toBeGreaterThanOrEqual(started + 3600_000);
    expect(result.retireAfter).toBeLessThan(Date.now() + 3600_000 + 1000);

    const after = json<KeyInfo[]>(await run('keys', 'list', '--json'));
    expect(after.filter((k) => k.alg === 'ES256').map((k) => [k.kid, k.state])).toEqual([
      [oldKid, 'previous'],
      [nextKid, 'current'],
    ]);
    const table = await run('keys', 'list');
    expect(table.stdout).toMatch(new RegExp(`^${nextKid} +ES256 +current `, 'm'));
  });

  it('retires a previous key once its verification period is over', async () => {
    expect(json(await run('keys', 'rotate', '--alg', 'ES256', '--json'))).toMatchObject({
      step: 'published',
    });
    const promoted = json<{ previousKid: string }>(
      await run('keys', 'rotate', '--alg', 'ES256', '--verify-for', '1', '--json'),
    );
    await new Promise((r) => setTimeout(r, 1100));
    const retired = await run('keys', 'retire', '--json');
    expect(retired.code).toBe(0);
    expect(json(retired)).toEqual({ retired: [promoted.previousKid] });
    expect(json<KeyInfo[]>(await run('keys', 'list', '--json'))).toContainEqual(
      expect.objectContaining({ kid: promoted.previousKid, state: 'retired' }),
    );
  });

  it('refuses a bad algorithm or verification period, exit code 2', async () => {
    const alg = await run('keys', 'rotate', '--alg', 'HS256');
    expect(alg).toMatchObject({ code: 2, stderr: 'onegate: --alg must be one of ES256, RS256, EdDSA\n' });
    const seconds = await run('keys', 'rotate', '--verify-for', 'soon');
    expect(seconds.code).toBe(2);
  });
});

describe('onegate init with ONEGATE_MASTER_KEY and ONEGATE_PRIVACY_KEK', () => {
  it('uses the keys from the environment and writes no key file', async () => {
    const db = await cliDatabase('sqlite');
    try {
      const env = {
        ...db.env,
        ...productionEnv,
        ONEGATE_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
        ONEGATE_PRIVACY_KEK: Buffer.alloc(32, 9).toString('base64'),
      };
      const result = await onegate(['init'], env);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^master key: +from ONEGATE_MASTER_KEY \(no file written\)$/m);
      expect(result.stdout).toMatch(/^privacy key: +from ONEGATE_PRIVACY_KEK \(no file written\)$/m);
      expect(result.stdout).not.toContain('Back up the privacy key-encryption key');
      expect(existsSync(join(db.dataDir, 'master.key'))).toBe(false);
      expect(existsSync(join(db.dataDir, 'privacy-kek.key'))).toBe(false);
      expect((await onegate(['client', 'list'], env)).code).toBe(0);
      // Another KEK cannot open this database's keys: refused, nothing changed.
      const wrong = await onegate(['user', 'list'], {
        ...env,
        ONEGATE_PRIVACY_KEK: Buffer.alloc(32, 8).toString('base64'),
      });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/^onegate: the data keys are wrapped by key-encryption key/);
    } finally {
      await db.drop();
    }
  });

  it('tells to back up the KEK it creates', async () => {
    const db = await cliDatabase('sqlite');
    try {
      const result = await onegate(['init'], { ...db.env, ...productionEnv });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^privacy key: +created .*privacy-kek\.key \(mode 0600\)$/m);
      expect(result.stdout).toContain('Back up the privacy key-encryption key now');
    } finally {
      await db.drop();
    }
  });
});
