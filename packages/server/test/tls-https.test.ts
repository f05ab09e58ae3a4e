import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerError } from '../src/index.ts';
import { startTestServer, type TestServer } from './start-test-server.ts';
import { sClient, TestPki, type Made } from './tls-openssl.ts';
import { echoCertificate, httpsGet, type CertificateSeen } from './tls-request.ts';

const pki = new TestPki();
let ca: Made;
let otherCa: Made;
let serverCert: Made;
let client: Made;
let otherClient: Made;
let running: TestServer;

beforeAll(async () => {
  ca = await pki.ca('OneGate Test CA');
  otherCa = await pki.ca('Some Other CA');
  serverCert = await pki.server(ca);
  client = await pki.client(ca, 'tax-office');
  otherClient = await pki.client(otherCa, 'tax-office');
  running = await startTestServer(
    {
      ONEGATE_TLS_CERT: serverCert.cert,
      ONEGATE_TLS_KEY: serverCert.key,
      ONEGATE_TLS_CA: ca.cert,
      // The header is believed only from 10.0.0.1: these tests connect from 127.0.0.1.
      ONEGATE_TLS_CLIENT_CERT_HEADER: 'x-ssl-client-cert',
      ONEGATE_TRUSTED_PROXIES: '10.0.0.1',
    },
    echoCertificate,
  );
}, 60_000);

afterAll(async () => {
  await running?.shutdown();
});

const port = () => Number(new URL(running.url).port);

async function seen(
  options: { cert?: Made; headers?: Record<string, string> } = {},
): Promise<CertificateSeen> {
  const answer = await httpsGet(`${running.url}/test/certificate`, {
    ca: ca.certPem,
    ...(options.cert ? { cert: options.cert.certPem, key: options.cert.keyPem } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  expect(answer.status).toBe(200);
  return JSON.parse(answer.body) as CertificateSeen;
}

describe('HTTPS', () => {
  it('serves HTTPS with the configured certificate, TLS 1.3 by default', async () => {
    expect(running.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const answer = await httpsGet(`${running.url}/healthz`, { ca: ca.certPem });
    expect(answer.status).toBe(200);
    expect(answer.protocol).toBe('TLSv1.3');
    expect(answer.serverCertificate?.fingerprint256).toBe(
      new (await import('node:crypto')).X509Certificate(serverCert.certPem).fingerprint256,
    );
  });

  it('refuses TLS 1.1 and CBC suites, and accepts TLS 1.2 with an AEAD suite', async () => {
    // SECLEVEL=0 lets the openssl client itself offer TLS 1.1: the refusal is the server's.
    const old = await sClient(port(), ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0']);
    expect(old.ok).toBe(false);
    expect(old.output).toMatch(/alert protocol version/);
    const cbc = await sClient(port(), [
      '-tls1_2',
      '-cipher',
      'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA',
    ]);
    expect(cbc.ok).toBe(false);
    const tls12 = await sClient(port(), ['-tls1_2', '-CAfile', ca.cert]);
    expect(tls12.ok).toBe(true);
    expect(tls12.output).toMatch(/Protocol\s*:\s*TLSv1\.2/);
    expect(tls12.output).toMatch(/Cipher\s*:\s*ECDHE-ECDSA-AES256-GCM-SHA384/);
  });

  it('asks for a client certificate and names the configured CA, but lets a connection without one in', async () => {
    const handshake = await sClient(port(), ['-CAfile', ca.cert]);
    expect(handshake.ok).toBe(true);
    expect(handshake.output).toMatch(/Acceptable client certificate CA names\s+CN\s*=\s*OneGate Test CA/);
    expect(await seen()).toEqual({ none: true });
  });

  it('passes a certificate of the configured CA on as authorized, from the TLS handshake', async () => {
    expect(await seen({ cert: client })).toEqual({
      subject: 'CN=tax-office\nO=OneGate tests',
      authorized: true,
      problem: null,
      via: 'tls',
    });
  });

  it('passes a certificate of another CA on as untrusted, so the OAuth layer can refuse it clearly', async () => {
    expect(await seen({ cert: otherClient })).toMatchObject({
      authorized: false,
      problem: 'untrusted',
      via: 'tls',
    });
  });

  it('ignores the forwarded-certificate header from an address that is not a trusted proxy', async () => {
    const forged = { 'x-ssl-client-cert': encodeURIComponent(client.certPem) };
    expect(await seen({ headers: forged })).toEqual({ none: true });
    // With a TLS certificate too, the handshake's is the one that counts.
    expect(await seen({ cert: otherClient, headers: forged })).toMatchObject({
      problem: 'untrusted',
      via: 'tls',
    });
    expect(running.logs).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: 'client certificate header from an address that is not a trusted proxy: ignored',
        header: 'x-ssl-client-cert',
      }),
    );
  });

  it('shows the days until the server and CA certificates expire in /metrics', async () => {
    const metrics = (await httpsGet(`${running.url}/metrics`, { ca: ca.certPem })).body;
    const days = (which: string) =>
      Number(
        new RegExp(`^onegate_tls_certificate_expiry_days\\{certificate="${which}"\\} (\\S+)$`, 'm').exec(
          metrics,
        )?.[1],
      );
    expect(days('server')).toBeGreaterThan(363);
    expect(days('server')).toBeLessThanOrEqual(365);
    expect(days('ca')).toBeGreaterThan(3648);
    expect(days('ca')).toBeLessThanOrEqual(3650);
    // Nothing expires within 30 days: no warning.
    expect(running.logs.filter((l) => String(l['msg']).startsWith('TLS certificate'))).toEqual([]);
  });
});

describe('unusable TLS settings', () => {
  async function refused(env: Record<string, string>): Promise<ServerError> {
    const err = await startTestServer(env).then(
      async (server) => {
        await server.shutdown();
        throw new Error('the server started');
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ServerError);
    return err as ServerError;
  }

  function file(name: string, content: string): string {
    const path = join(pki.dir, name);
    writeFileSync(path, content);
    return path;
  }

  it('refuses a certificate without its key as a configuration error', async () => {
    const err = await refused({ ONEGATE_TLS_CERT: serverCert.cert });
    expect(err.code).toBe('ERR_CONFIG_INVALID');
    expect(err.message).toMatch(/tlsKey \(ONEGATE_TLS_KEY\): required with tlsCert/);
  });

  it('refuses a forwarded-certificate header without trusted proxies', async () => {
    const err = await refused({ ONEGATE_TLS_CLIENT_CERT_HEADER: 'x-ssl-client-cert' });
    expect(err.code).toBe('ERR_CONFIG_INVALID');
    expect(err.message).toMatch(
      /tlsClientCertHeader \(ONEGATE_TLS_CLIENT_CERT_HEADER\): needs trustedProxies/,
    );
  });

  it('names the setting whose file cannot be read', async () => {
    const err = await refused({
      ONEGATE_TLS_CERT: join(pki.dir, 'missing.pem'),
      ONEGATE_TLS_KEY: serverCert.key,
    });
    expect(err.code).toBe('ERR_TLS_CONFIG');
    expect(err.message).toMatch(/^tlsCert \(ONEGATE_TLS_CERT\): cannot read .*missing\.pem \(ENOENT\)$/);
  });

  it('names the setting whose file is not PEM, without quoting it', async () => {
    const garbage = file('garbage.pem', 'this is not a certificate\n');
    const cert = await refused({ ONEGATE_TLS_CERT: garbage, ONEGATE_TLS_KEY: serverCert.key });
    expect(cert.message).toBe('tlsCert (ONEGATE_TLS_CERT): is not a PEM certificate');
    const badKey = file(
      'bad.key',
      '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n',
    );
    const key = await refused({ ONEGATE_TLS_CERT: serverCert.cert, ONEGATE_TLS_KEY: badKey });
    expect(key.message).toBe('tlsKey (ONEGATE_TLS_KEY): is not an unencrypted PEM private key');
    const ca = await refused({ ONEGATE_TLS_CA: garbage });
    expect(ca.code).toBe('ERR_TLS_CONFIG');
    expect(ca.message).toMatch(/^tlsCa \(ONEGATE_TLS_CA\): /);
  });

  it("refuses a key that is not the certificate's, without quoting the key", async () => {
    const err = await refused({ ONEGATE_TLS_CERT: serverCert.cert, ONEGATE_TLS_KEY: client.key });
    expect(err.message).toBe(
      'tlsKey (ONEGATE_TLS_KEY): is not the private key of the certificate in tlsCert',
    );
    const keyBody = client.keyPem.split('\n')[1]!;
    expect(err.message).not.toContain(keyBody);
  });
});
