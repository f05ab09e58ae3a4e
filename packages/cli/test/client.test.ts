import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '@onegate/store/testing';
import { cliDatabase, json, onegate, type CliDatabase } from './run-onegate.ts';

interface Created {
  client_id: string;
  client_secret?: string;
  client: { kind: string; public: boolean; scopes: string[]; redirectUris: string[]; disabled: boolean };
}

// Each step spawns a fresh onegate (about a second), so a test of several steps takes a while.
describe.each(engines)('onegate client (%s)', { timeout: 60_000 }, (engine) => {
  let db: CliDatabase;
  const run = (...args: string[]) => onegate(args, db.env);

  beforeAll(async () => {
    db = await cliDatabase(engine);
  });
  afterAll(() => db.drop());

  it('registers a confidential app and prints its client_id and secret', async () => {
    const result = await run(
      'client',
      'add',
      '--name',
      'Social benefits',
      '--redirect-uri',
      'https://benefits.example/cb',
      '--redirect-uri',
      'https://benefits.example/cb2',
      '--department',
      'social-security',
      '--json',
    );
    expect(result.code).toBe(0);
    const created = json<Created>(result);
    expect(created.client_id).toMatch(/^og_/);
    expect(created.client_secret).toMatch(/^[\w-]{43}$/);
    expect(created.client).toMatchObject({
      kind: 'app',
      public: false,
      redirectUris: ['https://benefits.example/cb', 'https://benefits.example/cb2'],
    });

    const text = await run('client', 'add', '--name', 'Tax', '--redirect-uri', 'https://tax.example/cb');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^client_id: +og_\S+$/m);
    expect(text.stdout).toMatch(/^client_secret: +\S{43}$/m);
    expect(text.stdout).toContain('shown only once');
  });

  it('registers a public app without a secret', async () => {
    const result = await run(
      'client',
      'add',
      '--name',
      'Citizen app',
      '--redirect-uri',
      'https://app.example/cb',
      '--public',
      '--json',
    );
    expect(result.code).toBe(0);
    const created = json<Created>(result);
    expect(created.client_secret).toBeUndefined();
    expect(created.client.public).toBe(true);
  });

  it('makes a service client from platform scopes and no redirect URI', async () => {
    const result = await run(
      'client',
      'add',
      '--name',
      'Records',
      '--scopes',
      'audit:write authz:check',
      '--json',
    );
    expect(result.code).toBe(0);
    const created = json<Created>(result);
    expect(created.client).toMatchObject({ kind: 'service', scopes: ['audit:write', 'authz:check'] });
    expect(created.client_secret).toBeDefined();
  });

  it('refuses invalid registrations with the reason, exit code 2', async () => {
    const ftp = await run('client', 'add', '--name', 'Bad', '--redirect-uri', 'ftp://x');
    expect(ftp.code).toBe(2);
    expect(ftp.stderr).toBe(
      'onegate: redirect URI must use https (http only for localhost in development)\n',
    );

    const noRedirect = await run('client', 'add', '--name', 'Bad');
    expect(noRedirect.code).toBe(2);
    expect(noRedirect.stderr).toContain('needs at least one redirect URI');

    const noName = await run('client', 'add', '--redirect-uri', 'https://x.example/cb');
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain("required option '--name <name>'");
  });

  it('lists, shows, updates, rotates the secret of, disables and enables a client', async () => {
    const created = json<Created>(
      await run(
        'client',
        'add',
        '--name',
        'Housing',
        '--redirect-uri',
        'https://housing.example/cb',
        '--json',
      ),
    );
    const id = created.client_id;

    const list = await run('client', 'list', '--json');
    expect(list.code).toBe(0);
    expect(json<Array<{ clientId: string }>>(list).map((c) => c.clientId)).toContain(id);
    expect(list.stdout).not.toContain(created.client_secret);
    const table = await run('client', 'list');
    expect(table.stdout).toMatch(new RegExp(`^${id} +app +confidential +enabled +- +Housing$`, 'm'));

    const show = await run('client', 'show', id);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^name: +Housing$/m);
    expect(show.stdout).toMatch(/^redirect URIs: +https:\/\/housing\.example\/cb$/m);

    const updated = await run('client', 'update', id, '--name', 'Housing office', '--first-party', '--json');
    expect(updated.code).toBe(0);
    expect(json(updated)).toMatchObject({ name: 'Housing office', firstParty: true });
    const unchanged = json<{ redirectUris: string[] }>(await run('client', 'show', id, '--json'));
    expect(unchanged.redirectUris).toEqual(['https://housing.example/cb']);

    const rotated = await run('client', 'rotate-secret', id, '--json');
    expect(rotated.code).toBe(0);
    const secret = json<Created>(rotated).client_secret;
    expect(secret).toMatch(/^[\w-]{43}$/);
    expect(secret).not.toBe(created.client_secret);

    const disabled = await run('client', 'disable', id);
    expect(disabled).toMatchObject({ code: 0, stdout: `disabled client ${id} (Housing office)\n` });
    expect(json(await run('client', 'show', id, '--json'))).toMatchObject({ disabled: true });
    expect((await run('client', 'enable', id)).code).toBe(0);
    expect(json(await run('client', 'show', id, '--json'))).toMatchObject({ disabled: false });
  });

  it('refuses to rotate the secret of a public client, and says when a client does not exist', async () => {
    const spa = json<Created>(
      await run(
        'client',
        'add',
        '--name',
        'SPA',
        '--redirect-uri',
        'https://spa.example/cb',
        '--public',
        '--json',
      ),
    );
    const rotate = await run('client', 'rotate-secret', spa.client_id);
    expect(rotate).toMatchObject({ code: 2, stderr: 'onegate: a public client has no secret\n' });

    const missing = await run('client', 'show', 'og_nope');
    expect(missing).toMatchObject({ code: 1, stderr: 'onegate: no such client\n' });
  });
});
