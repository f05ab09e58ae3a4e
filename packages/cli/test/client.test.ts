import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '@onegate/store/testing';
import { cliDatabase, json, onegate, type CliDatabase } from './run-onegate.ts';

interface Created {
  client_id: string;
  client_secret?: string;
  client: {
    kind: string;
    public: boolean;
    scopes: string[];
    redirectUris: string[];
    backchannelLogoutUri?: string;
    disabled: boolean;
    auth: string;
    certificate?: Record<string, string>;
  };
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

  it('refuses a back-channel logout URI on a special-use address, exit code 2, unless the operator allowed the host', async () => {
    const count = async () => json<unknown[]>(await run('client', 'list', '--json')).length;
    const before = await count();
    const app = ['client', 'add', '--name', 'Intranet app', '--redirect-uri', 'https://intranet.example/cb'];
    for (const uri of ['https://169.254.169.254/', 'https://10.0.0.1:6379/', 'https://[::ffff:a9fe:a9fe]/']) {
      const refused = await run(...app, '--backchannel-logout-uri', uri);
      expect(refused.code, uri).toBe(2);
      expect(refused.stderr, uri).toMatch(
        /^onegate: back-channel logout URI must not name a loopback, private or other special-use address/,
      );
    }
    expect(await count()).toBe(before);

    const allowed = await onegate([...app, '--backchannel-logout-uri', 'https://10.0.0.1:6379/', '--json'], {
      ...db.env,
      ONEGATE_OUTBOUND_ALLOW_HOSTS: '10.0.0.1:6379',
    });
    expect(allowed.code).toBe(0);
    expect(json<Created>(allowed).client).toMatchObject({ backchannelLogoutUri: 'https://10.0.0.1:6379/' });
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
    expect(table.stdout).toMatch(
      new RegExp(`^${id} +app +confidential +client_secret_basic +enabled +- +Housing +-$`, 'm'),
    );

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
  describe('with TLS client authentication', () => {
    let dir: string;
    let certFile: string;
    let renewedFile: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'onegate-cli-certs-'));
      const selfSigned = async (name: string) => {
        const out = join(dir, `${name}.pem`);
        await promisify(execFile)('openssl', [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          join(dir, `${name}.key`),
          '-out',
          out,
          '-days',
          '30',
          '-subj',
          `/O=Records office/CN=${name}`,
          // openssl's default for -x509 is a CA certificate, which OneGate refuses for a client.
          ...(name === 'ca' ? [] : ['-addext', 'basicConstraints=critical,CA:FALSE']),
        ]);
        return out;
      };
      certFile = await selfSigned('records');
      renewedFile = await selfSigned('records-renewed');
      await selfSigned('ca');
      writeFileSync(join(dir, 'garbage.pem'), 'not a certificate\n');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const service = ['client', 'add', '--name', 'Pension batch', '--scopes', 'audit:write'];
    const count = async () => json<unknown[]>(await run('client', 'list', '--json')).length;

    it('registers a tls_client_auth service without a secret and shows what its certificate must name', async () => {
      const text = await run(
        ...service,
        '--auth',
        'tls_client_auth',
        '--cert-san-uri',
        'urn:onegate:client:batch',
      );
      expect(text.code).toBe(0);
      expect(text.stdout).not.toContain('client_secret:');
      expect(text.stdout).toMatch(/^token endpoint auth: +tls_client_auth$/m);
      expect(text.stdout).toContain('authenticates with its TLS certificate');
      const id = /^client_id: +(og_\S+)$/m.exec(text.stdout)![1]!;

      const show = await run('client', 'show', id);
      expect(show.stdout).toMatch(/^token endpoint auth: +tls_client_auth$/m);
      expect(show.stdout).toMatch(/^certificate: +SAN URI urn:onegate:client:batch$/m);
      const table = await run('client', 'list');
      expect(table.stdout).toMatch(
        new RegExp(
          `^${id} +service +confidential +tls_client_auth +enabled +- +Pension batch +SAN URI urn:onegate:client:batch$`,
          'm',
        ),
      );

      const created = json<Created>(
        await run(
          ...service,
          '--auth',
          'tls_client_auth',
          '--cert-subject',
          'CN=og_x,O=OneGate service clients',
          '--json',
        ),
      );
      expect(created.client_secret).toBeUndefined();
      expect(created.client).toMatchObject({
        auth: 'tls_client_auth',
        certificate: { match: 'tls_client_auth_subject_dn', value: 'CN=og_x,O=OneGate service clients' },
      });
    });

    it('registers a self-signed client from its certificate file, and takes a renewed one on update', async () => {
      const created = json<Created>(
        await run(...service, '--auth', 'self_signed_tls_client_auth', '--cert', certFile, '--json'),
      );
      expect(created.client_secret).toBeUndefined();
      const thumbprint = (file: string) =>
        createHash('sha256')
          .update(new X509Certificate(readFileSync(file)).raw)
          .digest('base64url');
      expect(created.client.certificate).toMatchObject({ thumbprint: thumbprint(certFile) });
      const show = await run('client', 'show', created.client_id);
      expect(show.stdout).toContain(`x5t#S256 ${thumbprint(certFile)}`);

      const updated = await run('client', 'update', created.client_id, '--cert', renewedFile, '--json');
      expect(updated.code).toBe(0);
      expect(json<Created['client']>(updated).certificate).toMatchObject({
        thumbprint: thumbprint(renewedFile),
      });
    });

    it('moves a secret service to tls_client_auth only with --auth, and never back', async () => {
      const created = json<Created>(await run(...service, '--json'));
      const id = created.client_id;
      const silent = await run('client', 'update', id, '--cert-san-uri', 'urn:onegate:client:batch');
      expect(silent).toMatchObject({
        code: 2,
        stderr: 'onegate: certificate options need auth tls_client_auth or self_signed_tls_client_auth\n',
      });
      // Naming only the method: the certificate `onegate certs issue --client <id>` makes.
      const moved = await run('client', 'update', id, '--auth', 'tls_client_auth', '--json');
      expect(moved.code).toBe(0);
      expect(json(moved)).toMatchObject({
        auth: 'tls_client_auth',
        certificate: { match: 'tls_client_auth_san_uri', value: `urn:onegate:client:${id}` },
      });
      expect(await run('client', 'rotate-secret', id)).toMatchObject({
        code: 2,
        stderr: 'onegate: this client authenticates with its TLS certificate and has no secret\n',
      });
      const back = await run('client', 'update', id, '--auth', 'client_secret_basic');
      expect(back.code).toBe(2);
      expect(back.stderr).toContain('cannot go back to a secret');
    });

    it('refuses bad TLS registrations with the reason, exit code 2, and creates nothing', async () => {
      const before = await count();
      const cases: Array<[string[], string]> = [
        [
          ['--auth', 'private_key_jwt'],
          'auth must be one of client_secret_basic, tls_client_auth, self_signed_tls_client_auth',
        ],
        [
          ['--auth', 'tls_client_auth', '--cert-subject', 'CN=a', '--cert-san-uri', 'urn:a'],
          'tls_client_auth needs exactly one of',
        ],
        [['--auth', 'tls_client_auth', '--cert-subject', 'og_abc'], 'RFC 4514'],
        [
          ['--auth', 'self_signed_tls_client_auth', '--cert', join(dir, 'garbage.pem')],
          'exactly one PEM certificate',
        ],
        [
          ['--auth', 'self_signed_tls_client_auth', '--cert', join(dir, 'records.key')],
          'never its private key',
        ],
        [
          ['--auth', 'self_signed_tls_client_auth', '--cert', join(dir, 'ca.pem')],
          'a CA certificate (basicConstraints CA:TRUE) cannot identify a client',
        ],
        [
          ['--auth', 'self_signed_tls_client_auth', '--cert', join(dir, 'missing.pem')],
          `--cert: cannot read ${join(dir, 'missing.pem')}`,
        ],
      ];
      for (const [args, message] of cases) {
        const result = await run(...service, ...args);
        expect(result.code, args.join(' ')).toBe(2);
        expect(result.stderr, args.join(' ')).toContain(message);
      }
      const app = await run(
        'client',
        'add',
        '--name',
        'Portal',
        '--redirect-uri',
        'https://portal.example/cb',
        '--auth',
        'tls_client_auth',
        '--cert-san-uri',
        'urn:onegate:client:portal',
      );
      expect(app).toMatchObject({ code: 2 });
      expect(app.stderr).toContain('only a service client can authenticate with a TLS certificate');
      expect(await count()).toBe(before);
    });
  });
});
