import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { createPlatformClient } from '@onegate/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  certificateThumbprint,
  createCertificateAuthority,
  issueClientCertificate,
  type KeyAndCertificate,
} from '@onegate/server';
import { engines } from '@onegate/store/testing';
import { auditRows } from './support/audit-rows.ts';
import { startPlatform, type Platform } from './support/platform.ts';
import { onegate } from './support/serve-process.ts';

const run = promisify(execFile);

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A government back-end as it would call OneGate: Node's https client, the
 * dev CA as its only trust anchor, and its client certificate when it has one.
 */
function call(
  url: string,
  options: {
    ca: string;
    cert?: KeyAndCertificate;
    method?: string;
    form?: Record<string, string>;
    token?: string;
  },
): Promise<Answer> {
  const body = options.form ? new URLSearchParams(options.form).toString() : undefined;
  const init: RequestOptions = {
    method: options.method ?? (body ? 'POST' : 'GET'),
    ca: options.ca,
    // A fresh TLS session per call: a resumed session must not smuggle one request's certificate into another.
    agent: false,
    ...(options.cert ? { cert: options.cert.certPem, key: options.cert.keyPem } : {}),
    headers: {
      ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
  };
  return new Promise((resolve, reject) => {
    const req = request(url, init, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          headers: res.headers,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

const pem = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');

describe.each(engines)('service PKI and certificate-bound tokens on %s', (engine) => {
  let platform: Platform;
  let dir: string;
  let ca: KeyAndCertificate;
  let env: Record<string, string>;
  let clientId: string;
  let otherClientId: string;
  let clientCert: KeyAndCertificate;
  let otherCert: KeyAndCertificate;

  const token = (cert: KeyAndCertificate | undefined, id = clientId) =>
    call(`${platform.issuer}/token`, {
      ca: ca.certPem,
      ...(cert ? { cert } : {}),
      form: { grant_type: 'client_credentials', client_id: id, scope: 'audit:read' },
    });

  const certs = (args: string[]) => onegate(['certs', ...args, '--dir', dir], env);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'onegate-pki-'));
    await onegate(['certs', 'init', '--dir', dir, '--host', '127.0.0.1', '--host', 'localhost'], {
      ONEGATE_ISSUER: 'https://127.0.0.1:8443',
    });
    ca = { certPem: pem(dir, 'ca.pem'), keyPem: pem(dir, 'ca.key') };
    platform = await startPlatform(engine, {
      ONEGATE_TLS_CERT: join(dir, 'server.pem'),
      ONEGATE_TLS_KEY: join(dir, 'server.key'),
      ONEGATE_TLS_CA: join(dir, 'ca.pem'),
      ONEGATE_TLS_CRL: join(dir, 'crl.pem'),
    });
    env = platform.env;
    for (const name of ['Records backend', 'Tax backend']) {
      // With no subject given, a tls_client_auth client expects the SAN that `onegate certs issue` writes.
      const { client, clientSecret } = await platform.server.identity.clients.add({
        name,
        scopes: ['audit:read', 'audit:write'],
        auth: 'tls_client_auth',
      });
      expect(clientSecret).toBeUndefined();
      await certs(['issue', '--client', client.clientId]);
      const cert = {
        certPem: pem(dir, `clients/${client.clientId}.pem`),
        keyPem: pem(dir, `clients/${client.clientId}.key`),
      };
      if (name === 'Records backend') [clientId, clientCert] = [client.clientId, cert];
      else [otherClientId, otherCert] = [client.clientId, cert];
    }
  });
  afterAll(async () => {
    await platform?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with the server certificate from `onegate certs init`', async () => {
    expect(platform.issuer).toMatch(/^https:\/\//);
    const answer = await call(`${platform.issuer}/.well-known/openid-configuration`, { ca: ca.certPem });
    expect(answer.status).toBe(200);
    expect(answer.body['tls_client_certificate_bound_access_tokens']).toBe(true);
    expect(answer.body['token_endpoint_auth_methods_supported']).toEqual(
      expect.arrayContaining(['tls_client_auth', 'self_signed_tls_client_auth']),
    );
  });

  it('gives a service with its client certificate a token bound to that certificate', async () => {
    const answer = await token(clientCert);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const thumbprint = certificateThumbprint(new X509Certificate(clientCert.certPem));
    expect(claims(answer.body['access_token'] as string)['cnf']).toEqual({ 'x5t#S256': thumbprint });
  });

  it('accepts the bound token at /api/v1 only over a connection with the same certificate', async () => {
    const accessToken = (await token(clientCert)).body['access_token'] as string;
    const events = `${platform.issuer}/api/v1/audit/events?limit=1`;
    const withCert = await call(events, { ca: ca.certPem, cert: clientCert, token: accessToken });
    expect(withCert.status, JSON.stringify(withCert.body)).toBe(200);

    const without = await call(events, { ca: ca.certPem, token: accessToken });
    expect(without.status).toBe(401);
    expect(without.body['error']).toBe('invalid_token');
    expect(without.headers['www-authenticate']).toMatch(/invalid_token/);

    // Another valid certificate from the same CA is not the one the token is bound to.
    const stolen = await call(events, { ca: ca.certPem, cert: otherCert, token: accessToken });
    expect(stolen.status).toBe(401);
    expect(stolen.body['error']).toBe('invalid_token');
  });

  it('works from openid-client with TlsClientAuth, as the integration guide shows', async () => {
    const dispatcher = new Agent({
      connect: { cert: clientCert.certPem, key: clientCert.keyPem, ca: ca.certPem },
    });
    try {
      const tlsFetch = ((url: string, options: Parameters<typeof undiciFetch>[1]) =>
        undiciFetch(url, { ...options, dispatcher })) as unknown as oidc.CustomFetch;
      const config = await oidc.discovery(
        new URL(platform.issuer),
        clientId,
        undefined,
        oidc.TlsClientAuth(),
        {
          [oidc.customFetch]: tlsFetch,
        },
      );
      const { access_token } = await oidc.clientCredentialsGrant(config, { scope: 'audit:read' });
      const res = await undiciFetch(`${platform.issuer}/api/v1/audit/events?limit=1`, {
        dispatcher,
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(res.status).toBe(200);
    } finally {
      await dispatcher.close();
    }
  });

  it('lets the SDK’s platform client write audit events with its certificate instead of a secret', async () => {
    const dispatcher = new Agent({
      connect: { cert: clientCert.certPem, key: clientCert.keyPem, ca: ca.certPem },
    });
    const platformClient = createPlatformClient({
      issuer: platform.issuer,
      clientId,
      tlsClientAuth: true,
      fetch: ((url: string, options: Parameters<typeof undiciFetch>[1]) =>
        undiciFetch(url, { ...options, dispatcher })) as unknown as typeof fetch,
    });
    try {
      expect(
        platformClient.audit.write({
          actor: { type: 'app', id: clientId },
          action: 'records.nightly_export',
          outcome: 'success',
        }),
      ).toBe(true);
      await platformClient.audit.flush();
      const written = (await auditRows(platform.server, 'records.nightly_export')).find(
        (row) => row.actor === clientId,
      );
      expect(written?.outcome).toBe('success');
    } finally {
      await platformClient.close();
      await dispatcher.close();
    }
  });

  it('refuses a token request without a certificate, or with another client’s', async () => {
    expect((await token(undefined)).body['error']).toBe('invalid_client');
    expect((await token(otherCert)).body['error']).toBe('invalid_client');
    expect((await token(otherCert, otherClientId)).status).toBe(200);
  });

  it('refuses a certificate from another CA, and an expired one, and audits the failures', async () => {
    const foreignCa = createCertificateAuthority({
      commonName: 'Somebody else',
      permittedHosts: ['127.0.0.1'],
      days: 30,
    });
    const foreign = issueClientCertificate(foreignCa, { clientId, days: 30 });
    const foreignAnswer = await token(foreign);
    expect(foreignAnswer.status).toBe(401);
    expect(foreignAnswer.body['error']).toBe('invalid_client');

    const expired = issueClientCertificate(ca, {
      clientId,
      days: 1,
      notBefore: new Date(Date.now() - 10 * 86_400_000),
    });
    expect((await token(expired)).body['error']).toBe('invalid_client');

    const failures = (await auditRows(platform.server, 'token.issue')).filter(
      (row) => row.outcome === 'failure' && row.client_id === clientId,
    );
    const problems = failures.map(
      (row) => (JSON.parse(row.details ?? '{}') as Record<string, unknown>)['certificate_problem'],
    );
    expect(problems).toEqual(expect.arrayContaining(['untrusted', 'expired']));
    // The audit record names the problem, never the certificate itself.
    expect(JSON.stringify(failures)).not.toContain('BEGIN CERTIFICATE');
  });

  it('accepts a client certificate made with the openssl CLI from the same CA', async () => {
    const work = mkdtempSync(join(tmpdir(), 'onegate-openssl-'));
    try {
      const ext = join(work, 'ext.cnf');
      writeFileSync(
        ext,
        `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=URI:urn:onegate:client:${otherClientId}\n`,
      );
      const key = join(work, 'client.key');
      await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
      await run('openssl', [
        'req',
        '-new',
        '-key',
        key,
        '-subj',
        `/CN=${otherClientId}`,
        '-out',
        join(work, 'client.csr'),
      ]);
      await run('openssl', [
        'x509',
        '-req',
        '-in',
        join(work, 'client.csr'),
        '-CA',
        join(dir, 'ca.pem'),
        '-CAkey',
        join(dir, 'ca.key'),
        '-CAcreateserial',
        '-days',
        '30',
        '-sha256',
        '-extfile',
        ext,
        '-out',
        join(work, 'client.pem'),
      ]);
      const made = { certPem: pem(work, 'client.pem'), keyPem: pem(work, 'client.key') };
      const answer = await token(made, otherClientId);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('refuses a revoked certificate once the CRL is re-issued, with no restart', async () => {
    const before = await token(otherCert, otherClientId);
    expect(before.status).toBe(200);
    const issuedBefore = before.body['access_token'] as string;
    await certs(['revoke', '--client', otherClientId, '--reason', 'keyCompromise']);
    // OneGate watches the CRL file; give the reload a moment.
    let answer: Answer | undefined;
    for (let i = 0; i < 50; i++) {
      answer = await token(otherCert, otherClientId);
      if (answer.status !== 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(answer?.body['error']).toBe('invalid_client');
    const failure = (await auditRows(platform.server, 'token.issue')).find(
      (row) => row.client_id === otherClientId && row.details?.includes('revoked'),
    );
    expect(failure?.outcome).toBe('failure');
    // A token bound to the certificate before it was revoked stops working too.
    const late = await call(`${platform.issuer}/api/v1/audit/events?limit=1`, {
      ca: ca.certPem,
      cert: otherCert,
      token: issuedBefore,
    });
    expect(late.status).toBe(401);
    expect(late.body['error']).toBe('invalid_token');
    // The certificate the other client still has is unaffected.
    expect((await token(clientCert)).status).toBe(200);
  });
});
