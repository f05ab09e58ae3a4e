import { X509Certificate } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrl } from '../src/pki/index.ts';
import { startTestServer, type TestServer } from './start-test-server.ts';
import { TestPki, type Made } from './tls-openssl.ts';
import { echoCertificate, type CertificateSeen } from './tls-request.ts';

const pki = new TestPki();
let ca: Made;
let otherCa: Made;
let client: Made;
let otherClient: Made;
let running: TestServer;
const caFile = join(pki.dir, 'client-cas.pem');
const crlFile = join(pki.dir, 'client-cas.crl');

/** Replaces a file as `mv` does; the server notices by itself. */
function replace(path: string, content: string): void {
  writeFileSync(`${path}.new`, content);
  renameSync(`${path}.new`, path);
}

function crl(revoked: Made[], crlNumber: number): string {
  return createCrl(
    { certPem: ca.certPem, keyPem: ca.keyPem },
    {
      revoked: revoked.map((m) => ({
        serial: new X509Certificate(m.certPem).serialNumber,
        revokedAt: new Date(),
      })),
      crlNumber,
      nextUpdate: new Date(Date.now() + 7 * 86_400_000),
    },
  );
}

beforeAll(async () => {
  ca = await pki.ca('OneGate Test CA');
  otherCa = await pki.ca('Some Other CA');
  client = await pki.client(ca, 'tax-office');
  otherClient = await pki.client(otherCa, 'tax-office');
  writeFileSync(caFile, ca.certPem);
  writeFileSync(crlFile, crl([], 1));
  // Behind a TLS-terminating proxy at 127.0.0.1: OneGate itself speaks plain HTTP.
  running = await startTestServer(
    {
      ONEGATE_TLS_CA: caFile,
      ONEGATE_TLS_CRL: crlFile,
      ONEGATE_TLS_CLIENT_CERT_HEADER: 'X-SSL-Client-Cert',
      ONEGATE_TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1',
    },
    echoCertificate,
  );
}, 60_000);

afterAll(async () => {
  await running?.shutdown();
});

async function seen(header?: string): Promise<CertificateSeen> {
  const response = await fetch(`${running.url}/test/certificate`, {
    headers: header === undefined ? {} : { 'x-ssl-client-cert': header },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as CertificateSeen;
}

describe('a client certificate forwarded by a trusted proxy', () => {
  it('is taken from URL-encoded PEM, as nginx forwards it, and checked against the CA', async () => {
    expect(await seen(encodeURIComponent(client.certPem))).toEqual({
      subject: 'CN=tax-office\nO=OneGate tests',
      authorized: true,
      problem: null,
      via: 'proxy-header',
    });
  });

  it('is taken from base64 DER', async () => {
    const der = new X509Certificate(client.certPem).raw.toString('base64');
    expect(await seen(der)).toMatchObject({ authorized: true, via: 'proxy-header' });
  });

  it('of another CA is passed on as untrusted', async () => {
    expect(await seen(encodeURIComponent(otherClient.certPem))).toMatchObject({
      authorized: false,
      problem: 'untrusted',
      via: 'proxy-header',
    });
  });

  it('that is garbage counts as no certificate: the request goes on, a warning is logged', async () => {
    const before = running.logs.length;
    for (const garbage of [
      '-----BEGIN CERTIFICATE-----%0Anot base64!%0A-----END CERTIFICATE-----',
      encodeURIComponent(client.certPem + client.certPem),
      'AAAA',
      '%E0%A4%A',
    ]) {
      expect(await seen(garbage)).toEqual({ none: true });
    }
    const warnings = running.logs
      .slice(before)
      .filter((l) => l['msg'] === 'forwarded client certificate is not one certificate: ignored');
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatchObject({ level: 40, header: 'x-ssl-client-cert' });
    expect(JSON.stringify(warnings)).not.toContain('not base64');
  });

  it('is absent when the proxy sends no header', async () => {
    expect(await seen()).toEqual({ none: true });
  });
});

describe('the client CAs and their CRL', () => {
  async function until(check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('are read again when the CRL file is replaced: a newly revoked certificate is refused', async () => {
    replace(crlFile, crl([client], 2));
    await until(async () => (await seen(encodeURIComponent(client.certPem))).problem === 'revoked');
    expect(await seen(encodeURIComponent(client.certPem))).toMatchObject({
      authorized: false,
      problem: 'revoked',
    });
  });

  it('stay as they are when the new CRL is not signed by a configured CA', async () => {
    const forged = createCrl(
      { certPem: otherCa.certPem, keyPem: otherCa.keyPem },
      { revoked: [], crlNumber: 3, nextUpdate: new Date(Date.now() + 86_400_000) },
    );
    writeFileSync(crlFile, forged);
    expect(running.reloadTls()).toBe(false);
    expect(running.logs).toContainEqual(
      expect.objectContaining({
        level: 50,
        message: expect.stringMatching(/^tlsCrl \(ONEGATE_TLS_CRL\): /) as unknown,
      }),
    );
    expect(await seen(encodeURIComponent(client.certPem))).toMatchObject({ problem: 'revoked' });
  });

  it('are read again on reload: another CA added to the file is trusted from then on', async () => {
    writeFileSync(crlFile, crl([client], 4));
    replace(caFile, ca.certPem + otherCa.certPem);
    expect(running.reloadTls()).toBe(true);
    expect(await seen(encodeURIComponent(otherClient.certPem))).toMatchObject({ authorized: true });
  });
});

describe('the CA expiry', () => {
  it('is in /metrics without a server certificate of our own', async () => {
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toMatch(/^onegate_tls_certificate_expiry_days\{certificate="ca"\} 36\d\d$/m);
    expect(metrics).not.toMatch(/certificate="server"/);
  });
});
