import { X509Certificate } from 'node:crypto';
import { copyFileSync, renameSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './start-test-server.ts';
import { TestPki, type Made } from './tls-openssl.ts';
import { httpsGet } from './tls-request.ts';

const pki = new TestPki();
let ca: Made;
let first: Made;
let running: TestServer;
const certFile = join(pki.dir, 'server.pem');
const keyFile = join(pki.dir, 'server.key');

const serial = (pem: string) => new X509Certificate(pem).serialNumber;

/** Replaces a file the way `mv` and most editors do: a new file renamed over the old one. */
function replace(path: string, content: string): void {
  writeFileSync(`${path}.new`, content);
  renameSync(`${path}.new`, path);
}

/** The serial of the certificate a new connection gets. */
async function servedSerial(): Promise<string | undefined> {
  return (await httpsGet(`${running.url}/healthz`, { ca: ca.certPem })).serverCertificate?.serialNumber;
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  ca = await pki.ca('OneGate Test CA');
  // Ten days left: the start must warn about it.
  first = await pki.server(ca, 'localhost', 10);
  copyFileSync(first.cert, certFile);
  copyFileSync(first.key, keyFile);
  running = await startTestServer({
    ONEGATE_TLS_CERT: certFile,
    ONEGATE_TLS_KEY: keyFile,
    ONEGATE_TLS_CA: ca.cert,
  });
}, 60_000);

afterAll(async () => {
  await running?.shutdown();
});

describe('server certificate expiry', () => {
  it('is warned about at start when fewer than 30 days are left', () => {
    expect(running.logs).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: 'TLS certificate expires in less than 30 days',
        certificate: 'server',
        daysLeft: 9,
        // ISO 8601 UTC like every time OneGate writes (ASVS 16.2.2), not OpenSSL's "Mmm dd hh:mm:ss yyyy GMT".
        notAfter: new X509Certificate(first.certPem).validToDate.toISOString(),
      }),
    );
  });
});

describe('rotating the server certificate', () => {
  it('serves a replaced certificate to new connections while an open one carries on', async () => {
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = await httpsGet(`${running.url}/healthz`, { ca: ca.certPem, agent: keepAlive });
      expect(before.serverCertificate?.serialNumber).toBe(serial(first.certPem));

      const second = await pki.server(ca, 'localhost', 365);
      // Key first, then certificate: in between the pair does not match and the old one must stay.
      replace(keyFile, second.keyPem);
      replace(certFile, second.certPem);
      await until(async () => (await servedSerial()) === serial(second.certPem));

      const after = await httpsGet(`${running.url}/healthz`, { ca: ca.certPem, agent: keepAlive });
      expect(after.status).toBe(200);
      expect(after.socket).toBe(before.socket);
      expect(after.serverCertificate?.serialNumber).toBe(serial(first.certPem));
      const reloaded = running.logs.filter((l) => l['msg'] === 'TLS files reloaded');
      expect(reloaded.map((l) => l['serverCertificate'])).toEqual([
        {
          serial: serial(second.certPem),
          notAfter: new X509Certificate(second.certPem).validToDate.toISOString(),
        },
      ]);
    } finally {
      keepAlive.destroy();
    }
  });

  it('reloads at once on SIGHUP', async () => {
    const third = await pki.server(ca, 'localhost', 365);
    // Written in place, then the signal: no waiting for the file watcher.
    writeFileSync(keyFile, third.keyPem);
    writeFileSync(certFile, third.certPem);
    process.emit('SIGHUP', 'SIGHUP');
    expect(await servedSerial()).toBe(serial(third.certPem));
  });

  it('keeps the certificate in use when the new files are unusable, and says why without quoting them', async () => {
    const inUse = await servedSerial();
    const fourth = await pki.server(ca, 'localhost', 365);
    const before = running.logs.length;
    writeFileSync(certFile, fourth.certPem);
    // The old key no longer matches.
    expect(running.reloadTls()).toBe(false);
    writeFileSync(certFile, 'garbage');
    expect(running.reloadTls()).toBe(false);
    expect(await servedSerial()).toBe(inUse);
    const errors = running.logs
      .slice(before)
      .filter((l) => l['msg'] === 'TLS files not reloaded: the ones in use stay');
    expect(errors.map((l) => l['message'])).toEqual(
      expect.arrayContaining([
        'tlsKey (ONEGATE_TLS_KEY): is not the private key of the certificate in tlsCert',
        'tlsCert (ONEGATE_TLS_CERT): is not a PEM certificate',
      ]),
    );
    expect(JSON.stringify(running.logs)).not.toContain(fourth.keyPem.split('\n')[1]!);

    replace(keyFile, fourth.keyPem);
    replace(certFile, fourth.certPem);
    expect(running.reloadTls()).toBe(true);
    expect(await servedSerial()).toBe(serial(fourth.certPem));
  });

  it('shows the days left of the new certificate in /metrics', async () => {
    const metrics = (await httpsGet(`${running.url}/metrics`, { ca: ca.certPem })).body;
    const days = Number(
      /^onegate_tls_certificate_expiry_days\{certificate="server"\} (\S+)$/m.exec(metrics)?.[1],
    );
    expect(days).toBeGreaterThan(363);
  });
});
