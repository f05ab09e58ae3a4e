import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { auditRows } from './audit-rows.ts';
import { cliDatabase, json, onegate, type CliDatabase, type Result } from './run-onegate.ts';

interface Initialised {
  dir: string;
  hosts: string[];
  settings: Record<string, string>;
}

interface Issued {
  clientId: string;
  serial: string;
  notAfter: string;
  files: { certificate: string; key: string; p12?: string };
  register?: string;
}

interface Listed {
  certificates: Array<{ serial: string; kind: string; clientId?: string; status: string; reason?: string }>;
  crl: { status: string; crlNumber?: number };
}

/** The openssl CLI, argv only (no shell); its exit code instead of a throw. */
function openssl(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile('openssl', args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Every file under `dir` (names, modes and bytes), to show that a refused command changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[path] = `${(statSync(path).mode & 0o777).toString(8)} ${readFileSync(path).toString('base64')}`;
  }
  return files;
}

const mode = (path: string) => statSync(path).mode & 0o777;
const P12_PASSWORD = 'correct horse battery staple';

// Each step spawns a fresh onegate (about a second): related checks share a test, in order.
describe('onegate certs', { timeout: 120_000 }, () => {
  let db: CliDatabase;
  let store: Store;
  let work: string;
  let dir: string;
  let env: Record<string, string>;
  let serviceId: string;
  let issued: Issued;
  const run = (args: string[], input?: string) => onegate(['certs', ...args], env, input);
  const file = (name: string) => join(dir, name);

  beforeAll(async () => {
    db = await cliDatabase('sqlite');
    store = await db.open();
    work = mkdtempSync(join(tmpdir(), 'onegate-certs-'));
    dir = join(work, 'pki');
    env = { ...db.env, ONEGATE_ISSUER: 'https://id.gov.example' };
    const added = await onegate(
      ['client', 'add', '--name', 'Records', '--scopes', 'audit:write', '--json'],
      env,
    );
    expect(added.code).toBe(0);
    serviceId = json<{ client_id: string }>(added).client_id;
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it('init makes a CA and a server certificate for the issuer host that openssl verifies, keys 0600, an empty CRL', async () => {
    const result = await run(['init', '--dir', dir, '--json']);
    expect(result.code).toBe(0);
    const made = json<Initialised>(result);
    expect(made.hosts).toEqual(['id.gov.example', 'localhost', '127.0.0.1']);
    expect(made.settings).toEqual({
      ONEGATE_TLS_CERT: file('server.pem'),
      ONEGATE_TLS_KEY: file('server.key'),
      ONEGATE_TLS_CA: file('ca.pem'),
      ONEGATE_TLS_CRL: file('crl.pem'),
    });
    expect(result.stdout).not.toContain('PRIVATE KEY');
    expect(mode(file('ca.key'))).toBe(0o600);
    expect(mode(file('server.key'))).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(
      ['ca.key', 'ca.pem', 'crl.pem', 'index.json', 'server.key', 'server.pem'].sort(),
    );

    const verified = await openssl(['verify', '-CAfile', file('ca.pem'), file('server.pem')]);
    expect(verified.stdout).toBe(`${file('server.pem')}: OK\n`);
    const text = (await openssl(['x509', '-in', file('server.pem'), '-noout', '-text'])).stdout;
    expect(text).toContain('ecdsa-with-SHA256');
    expect(text).toMatch(/DNS:id\.gov\.example, DNS:localhost, IP Address:127\.0\.0\.1/);
    expect(text).toContain('TLS Web Server Authentication');
    const caText = (await openssl(['x509', '-in', file('ca.pem'), '-noout', '-text'])).stdout;
    expect(caText).toMatch(/Permitted:\s+DNS:id\.gov\.example/);

    const crl = await openssl(['crl', '-in', file('crl.pem'), '-CAfile', file('ca.pem'), '-noout', '-text']);
    expect(crl.code).toBe(0);
    expect(crl.stderr).toContain('verify OK');
    expect(crl.stdout).toContain('No Revoked Certificates');
  });

  it('init prints the settings in text, and refuses to replace a CA without --force', async () => {
    const other = join(work, 'other');
    const text = await run(['init', '--dir', other, '--host', 'records.gov.example']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`ONEGATE_TLS_KEY=${join(other, 'server.key')}`);
    expect(text.stdout).toContain(`ONEGATE_TLS_CRL=${join(other, 'crl.pem')}`);
    expect(text.stdout).not.toContain('PRIVATE KEY');
    const san = (
      await openssl(['x509', '-in', join(other, 'server.pem'), '-noout', '-ext', 'subjectAltName'])
    ).stdout;
    expect(san).toContain('DNS:records.gov.example');
    expect(san).not.toContain('localhost');

    const before = snapshot(other);
    const again = await run(['init', '--dir', other]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds a CA .*nothing was changed.*--force/);
    expect(snapshot(other)).toEqual(before);

    const forced = await run(['init', '--dir', other, '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(other, 'ca.pem'), 'utf8')).not.toBe(before[join(other, 'ca.pem')]);
    expect(new X509Certificate(readFileSync(join(other, 'ca.pem'))).serialNumber).not.toBe(
      new X509Certificate(readFileSync(join(work, 'pki', 'ca.pem'))).serialNumber,
    );
    expect(mode(join(other, 'ca.key'))).toBe(0o600);

    const badHost = await run(['init', '--dir', join(work, 'bad'), '--host', '*.gov.example']);
    expect(badHost.code).toBe(2);
    expect(badHost.stderr).toContain('--host takes a DNS name or an IP address');
  });

  it('issue writes a client certificate openssl verifies and a PKCS#12 only its password opens; audited', async () => {
    const result = await run(
      ['issue', '--client', serviceId, '--dir', dir, '--p12', '--json'],
      `${P12_PASSWORD}\n`,
    );
    expect(result.code).toBe(0);
    issued = json<Issued>(result);
    expect(issued.clientId).toBe(serviceId);
    expect(issued.files).toEqual({
      certificate: file(`clients/${serviceId}.pem`),
      key: file(`clients/${serviceId}.key`),
      p12: file(`clients/${serviceId}.p12`),
    });
    expect(issued.register).toBe(
      `onegate client update ${serviceId} --auth tls_client_auth --cert-san-uri urn:onegate:client:${serviceId}`,
    );
    expect(result.stdout).not.toContain(P12_PASSWORD);
    expect(result.stdout).not.toContain('PRIVATE KEY');
    expect(mode(issued.files.key)).toBe(0o600);
    expect(mode(issued.files.p12!)).toBe(0o600);

    const verified = await openssl(['verify', '-CAfile', file('ca.pem'), issued.files.certificate]);
    expect(verified.stdout).toBe(`${issued.files.certificate}: OK\n`);
    const cert = new X509Certificate(readFileSync(issued.files.certificate));
    expect(cert.serialNumber).toBe(issued.serial);
    expect(cert.subjectAltName).toBe(`URI:urn:onegate:client:${serviceId}`);
    expect(cert.subject).toContain(`CN=${serviceId}`);

    const opened = await openssl([
      'pkcs12',
      '-in',
      issued.files.p12!,
      '-passin',
      `pass:${P12_PASSWORD}`,
      '-nokeys',
    ]);
    expect(opened.code).toBe(0);
    expect(opened.stdout).toContain('BEGIN CERTIFICATE');
    const wrong = await openssl([
      'pkcs12',
      '-in',
      issued.files.p12!,
      '-passin',
      'pass:not the password',
      '-nokeys',
    ]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout).not.toContain('BEGIN CERTIFICATE');

    const rows = await auditRows(store, 'certificate.issue');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.actor).toBe('operator');
    expect(JSON.parse(rows[0]!.details!)).toMatchObject({
      serial: issued.serial,
      clientId: serviceId,
      notAfter: issued.notAfter,
    });
    expect(rows[0]!.details).not.toMatch(/PRIVATE KEY|correct horse/);
  });

  it('issue refuses bad input and changes nothing: path traversal, missing or short passwords, unknown or app clients, files in the way', async () => {
    const before = snapshot(dir);
    const refused = async (args: string[], input: string | undefined, code: number, message: RegExp) => {
      const result = await run(['issue', '--dir', dir, ...args], input);
      expect(result.stderr).toMatch(message);
      expect(result.code).toBe(code);
      expect(snapshot(dir)).toEqual(before);
    };
    await refused(['--client', '../etc'], undefined, 2, /--client takes a client_id/);
    await refused(['--client', '.hidden'], undefined, 2, /--client takes a client_id/);
    await refused(['--client', serviceId, '--p12', '--force'], '', 2, /password .*empty/);
    await refused(['--client', serviceId, '--p12', '--force'], '\nsecond line is not it\n', 2, /empty/);
    await refused(['--client', serviceId, '--p12', '--force'], 'short\n', 2, /at least 12 characters/);
    await refused(['--client', serviceId, '--days', '0'], undefined, 2, /--days takes a positive/);
    await refused(
      ['--client', serviceId, '--days', '5000'],
      undefined,
      2,
      /the CA expires on .* pass --days/,
    );
    await refused(['--client', serviceId], undefined, 1, /already exist.*--force/);
    await refused(['--client', 'og_nobody'], undefined, 1, /no client og_nobody is registered/);

    const app = await onegate(
      ['client', 'add', '--name', 'Benefits', '--redirect-uri', 'https://benefits.example/cb', '--json'],
      env,
    );
    const appId = json<{ client_id: string }>(app).client_id;
    await refused(['--client', appId], undefined, 1, /is an app, not a service/);
    await refused(
      ['--client', serviceId, '--dir', join(work, 'none')],
      undefined,
      1,
      /no CA in .*certs init/,
    );

    expect(await auditRows(store, 'certificate.issue')).toHaveLength(1);
  });

  it('revoke puts the serial on a CRL that openssl verifies; list shows it revoked; audited; again or unknown changes nothing', async () => {
    const result = await run([
      'revoke',
      '--serial',
      issued.serial,
      '--reason',
      'keyCompromise',
      '--dir',
      dir,
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`revoked ${issued.serial} (client ${serviceId}), reason keyCompromise`);

    const crl = await openssl(['crl', '-in', file('crl.pem'), '-CAfile', file('ca.pem'), '-noout', '-text']);
    expect(crl.stderr).toContain('verify OK');
    expect(crl.stdout).toContain(`Serial Number: ${issued.serial}`);
    expect(crl.stdout).toContain('Key Compromise');
    expect(crl.stdout).toMatch(/X509v3 CRL Number:\s+2\n/);
    const checked = await openssl([
      'verify',
      '-crl_check',
      '-CAfile',
      file('ca.pem'),
      '-CRLfile',
      file('crl.pem'),
      issued.files.certificate,
    ]);
    expect(checked.code).not.toBe(0);
    expect(checked.stdout + checked.stderr).toContain('certificate revoked');

    const listed = json<Listed>(await run(['list', '--dir', dir, '--json']));
    expect(listed.certificates.map((c) => [c.kind, c.clientId, c.status])).toEqual([
      ['server', undefined, 'valid'],
      ['client', serviceId, 'revoked'],
    ]);
    expect(listed.crl).toMatchObject({ status: 'current', crlNumber: 2 });
    const text = await run(['list', '--dir', dir]);
    expect(text.stdout).toMatch(
      new RegExp(`${issued.serial} +client +${serviceId} +revoked .*keyCompromise`),
    );

    const rows = await auditRows(store, 'certificate.revoke');
    expect(rows.map((row): unknown[] => [row.actor, JSON.parse(row.details!)])).toEqual([
      ['operator', { serial: issued.serial, clientId: serviceId, reason: 'keyCompromise', crlNumber: 2 }],
    ]);

    const before = snapshot(dir);
    const refused = async (args: string[], code: number, message: RegExp) => {
      const again = await run(['revoke', '--dir', dir, ...args]);
      expect(again.stderr).toMatch(message);
      expect(again.code).toBe(code);
      expect(snapshot(dir)).toEqual(before);
    };
    await refused(['--serial', issued.serial], 1, /already revoked .*keyCompromise.*nothing was changed/);
    await refused(['--serial', issued.serial.toLowerCase()], 1, /already revoked/);
    await refused(['--client', serviceId], 1, /already revoked/);
    await refused(['--serial', '7ABCDEF'], 1, /no certificate with serial 7ABCDEF/);
    await refused(['--client', 'og_nobody'], 1, /no certificate was issued to client og_nobody/);
    await refused(['--serial', 'xyz'], 2, /--serial takes a hexadecimal/);
    await refused(['--serial', issued.serial, '--reason', 'lost'], 2, /--reason must be one of/);
    await refused([], 2, /either --serial .* or --client/);
    expect(await auditRows(store, 'certificate.revoke')).toHaveLength(1);
  });

  it('re-issuing with --force and revoking by client; crl re-issues with a higher number', async () => {
    const again = await run(['issue', '--client', serviceId, '--dir', dir, '--force', '--json']);
    expect(again.code).toBe(0);
    const second = json<Issued>(again);
    expect(second.serial).not.toBe(issued.serial);

    const revoked = await run([
      'revoke',
      '--client',
      serviceId,
      '--reason',
      'superseded',
      '--dir',
      dir,
      '--json',
    ]);
    expect(revoked.code).toBe(0);
    expect(json<{ revoked: Array<{ serial: string }> }>(revoked).revoked.map((r) => r.serial)).toEqual([
      second.serial,
    ]);

    const reissued = await run(['crl', '--dir', dir, '--json']);
    expect(reissued.code).toBe(0);
    expect(json(reissued)).toMatchObject({ crlNumber: 4, revoked: 2 });
    const crl = await openssl(['crl', '-in', file('crl.pem'), '-CAfile', file('ca.pem'), '-noout', '-text']);
    expect(crl.stderr).toContain('verify OK');
    expect(crl.stdout).toMatch(/X509v3 CRL Number:\s+4\n/);
    expect(crl.stdout).toContain(`Serial Number: ${issued.serial}`);
    expect(crl.stdout).toContain(`Serial Number: ${second.serial}`);
    expect(await auditRows(store, 'certificate.revoke')).toHaveLength(2);
  });

  it('show prints any PEM certificate with its x5t#S256; garbage is refused', async () => {
    const shown = json<Record<string, unknown>>(await run(['show', file('server.pem'), '--json']));
    const server = new X509Certificate(readFileSync(file('server.pem')));
    expect(shown).toMatchObject({
      serial: server.serialNumber,
      ca: false,
      'x5t#S256': createHash('sha256').update(server.raw).digest('base64url'),
    });
    expect(shown['subjectAltName']).toContain('DNS:id.gov.example');

    const key = join(work, 'openssl.key');
    const pem = join(work, 'openssl.pem');
    const made = await openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      pem,
      '-days',
      '30',
      '-subj',
      '/CN=made by openssl',
      '-addext',
      'subjectAltName=DNS:tool.example',
    ]);
    expect(made.code).toBe(0);
    const text = await run(['show', pem]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^subject: +CN=made by openssl$/m);
    expect(text.stdout).toMatch(/^SAN: +DNS:tool\.example$/m);
    expect(text.stdout).toMatch(/^not after: .*\((29|30) days left\)$/m);
    expect(text.stdout).toMatch(/^x5t#S256: +[\w-]{43}$/m);

    const garbage = join(work, 'garbage.pem');
    writeFileSync(
      garbage,
      '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
    );
    const refused = await run(['show', garbage]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is not a PEM certificate');
    const missing = await run(['show', join(work, 'missing.pem')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file');
  });

  it('issue and revoke write nothing when the audit log cannot be opened', async () => {
    const before = snapshot(dir);
    const unreachable = { ...env, ONEGATE_DATABASE_URL: 'postgres://onegate@127.0.0.1:1/onegate' };
    const issue = await onegate(
      ['certs', 'issue', '--client', serviceId, '--dir', dir, '--force'],
      unreachable,
    );
    expect(issue.code).toBe(1);
    expect(issue.stderr).toMatch(/audit log.*could not be opened.*nothing was written/);
    const index = JSON.parse(readFileSync(file('index.json'), 'utf8')) as Listed;
    const server = index.certificates.find((c) => c.kind === 'server')!;
    const revoke = await onegate(['certs', 'revoke', '--serial', server.serial, '--dir', dir], unreachable);
    expect(revoke.stderr).toMatch(/audit log.*could not be opened.*nothing was written/);
    expect(revoke.code).toBe(1);
    expect(snapshot(dir)).toEqual(before);
  });
  it('issue for a client registered with --auth tls_client_auth needs no further registration step', async () => {
    const added = await onegate(
      [
        'client',
        'add',
        '--name',
        'Tax backend',
        '--scopes',
        'audit:write',
        '--auth',
        'tls_client_auth',
        '--json',
      ],
      env,
    );
    expect(added.code, added.stderr).toBe(0);
    const tlsId = json<{ client_id: string; client_secret?: string }>(added).client_id;
    const result = await run(['issue', '--client', tlsId, '--dir', dir, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(json<Issued>(result).register).toBeUndefined();
    const text = await run(['issue', '--client', tlsId, '--dir', dir, '--force']);
    expect(text.stdout).toContain('already authenticates with this certificate');
    expect(text.stdout).not.toContain('onegate client update');
  });
});
