import { createHash, createSecretKey, randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import Koa from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Keyring } from '@onegate/privacy';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, eventually, type TestDatabase } from '@onegate/store/testing';
import type { AuditEvent, AuditSink } from '../src/audit/audit-sink.ts';
import { Identity, identityMigrations, type IdentitySettings } from '../src/identity.ts';
import { setRequestCertificate, type ClientCertificate } from '../src/index.ts';
import { certificateProblem, usableCertificate } from '../src/provider/mtls.ts';
import { OpensslCertificates, type TestCertificate } from './support/openssl-certificates.ts';
import { startTestKeyring } from './support/keyring.ts';

class RecordingAudit implements AuditSink {
  readonly events: AuditEvent[] = [];

  async write(event: AuditEvent): Promise<void> {
    this.events.push(event);
  }
}

const SETTINGS: IdentitySettings = {
  issuer: 'http://127.0.0.1:9',
  development: true,
  sessionIdleSeconds: 3600,
  sessionMaxSeconds: 43_200,
  refreshTokenMaxSeconds: 2_592_000,
  outboundAllowedHosts: [],
  signingAlgs: ['ES256'],
  passwordHash: { memoryKiB: 19_456, timeCost: 2, parallelism: 1 },
};
const SCOPES = ['audit:read', 'authz:check'];

const x5t = (cert: TestCertificate) => createHash('sha256').update(cert.certificate.raw).digest('base64url');

/**
 * The token endpoint over HTTP, with the request's client certificate set by a
 * middleware in front, as the server sets it from the TLS connection (the real
 * TLS path is the end-to-end test's). `presented` is what the next request carries.
 */
describe.each(engines)('mutual-TLS client authentication on %s', (engine) => {
  const certs = new OpensslCertificates();
  const audit = new RecordingAudit();
  let db: TestDatabase;
  let store: Store;
  let keyring: Keyring;
  let identity: Identity;
  let server: Server;
  let base: string;
  let presented: ClientCertificate | undefined;
  let ca: TestCertificate;
  let clientCert: TestCertificate;
  let otherClientCert: TestCertificate;
  let ownCert: TestCertificate;

  const trusted = (cert: TestCertificate): ClientCertificate => ({
    certificate: cert.certificate,
    authorized: true,
    via: 'tls',
  });

  async function token(
    clientId: string,
    options: { secret?: string; cert?: ClientCertificate } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    presented = options.cert;
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const form = new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPES.join(' ') });
    if (options.secret === undefined) form.set('client_id', clientId);
    else
      headers['authorization'] = `Basic ${Buffer.from(`${clientId}:${options.secret}`).toString('base64')}`;
    const res = await fetch(`${base}/token`, { method: 'POST', headers, body: form });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  beforeAll(async () => {
    ca = await certs.authority();
    clientCert = await certs.issue(ca, '/O=OneGate service clients/CN=og_placeholder', [
      'URI:urn:onegate:client:batch',
    ]);
    otherClientCert = await certs.issue(ca, '/O=OneGate service clients/CN=og_other', [
      'URI:urn:onegate:client:other',
    ]);
    ownCert = await certs.selfSigned('/O=Records office/CN=records-batch');

    db = await createTestDatabase(engine);
    store = await db.open();
    for (const set of identityMigrations) await store.migrate(set);
    keyring = await startTestKeyring(store);
    identity = await Identity.start({
      store,
      audit,
      keyring,
      masterKey: createSecretKey(randomBytes(32)),
      settings: SETTINGS,
      createKeys: true,
      onError: (err) => {
        throw err;
      },
    });
    const app = new Koa();
    app.keys = identity.cookieKeys;
    app.use(async (ctx, next) => {
      setRequestCertificate(ctx.req, presented);
      await next();
    });
    app.use(identity.middleware());
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.close();
    await identity?.close();
    await keyring?.stop();
    await db?.drop();
    certs.remove();
  });

  describe('with tls_client_auth', () => {
    it('gives a client whose certificate has the registered SAN URI a token bound to that certificate', async () => {
      const { client, clientSecret } = await identity.clients.add({
        name: 'Pension batch',
        scopes: SCOPES,
        auth: 'tls_client_auth',
        certSanUri: 'urn:onegate:client:batch',
      });
      expect(clientSecret).toBeUndefined();

      const res = await token(client.clientId, { cert: trusted(clientCert) });
      expect(res.status).toBe(200);
      expect(res.body['token_type']).toBe('Bearer');
      const claims = decodeJwt(res.body['access_token'] as string);
      expect(claims['cnf']).toEqual({ 'x5t#S256': x5t(clientCert) });
      expect(claims['client_id']).toBe(client.clientId);

      const caller = await identity.verifyPlatformToken(res.body['access_token'] as string);
      expect(caller).toMatchObject({ clientId: client.clientId, certificateThumbprint: x5t(clientCert) });
    });

    it('matches a registered subject DN in RFC 4514 order', async () => {
      const { client } = await identity.clients.add({
        name: 'Tax batch',
        scopes: SCOPES,
        auth: 'tls_client_auth',
        certSubject: 'CN=og_placeholder,O=OneGate service clients',
      });
      const res = await token(client.clientId, { cert: trusted(clientCert) });
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body['access_token'] as string)['cnf']).toEqual({ 'x5t#S256': x5t(clientCert) });
    });

    it('refuses a valid certificate of another client, and records why', async () => {
      const { client } = await identity.clients.add({
        name: 'Pension batch',
        scopes: SCOPES,
        auth: 'tls_client_auth',
        certSanUri: 'urn:onegate:client:batch',
      });
      const before = audit.events.length;
      const res = await token(client.clientId, { cert: trusted(otherClientCert) });
      expect(res).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
      await eventually(() => audit.events.length > before);
      expect(audit.events.length).toBe(before + 1);
      expect(audit.events.at(-1)).toMatchObject({
        action: 'token.issue',
        outcome: 'failure',
        clientId: client.clientId,
        reason: 'invalid_client',
        details: { token_endpoint_auth_method: 'tls_client_auth', certificate_problem: 'subject_mismatch' },
      });
    });

    it.each(['revoked', 'untrusted', 'expired', 'not_yet_valid'] as const)(
      'refuses a %s certificate with exactly one audit event that names the problem, not the certificate',
      async (problem) => {
        const { client } = await identity.clients.add({
          name: 'Pension batch',
          scopes: SCOPES,
          auth: 'tls_client_auth',
          certSanUri: 'urn:onegate:client:batch',
        });
        const before = audit.events.length;
        const res = await token(client.clientId, {
          cert: { certificate: clientCert.certificate, authorized: false, problem, via: 'tls' },
        });
        expect(res).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
        await eventually(() => audit.events.length > before);
        await new Promise((resolve) => setTimeout(resolve, 50));
        const recorded = audit.events.slice(before);
        expect(recorded).toHaveLength(1);
        expect(recorded[0]).toMatchObject({
          action: 'token.issue',
          outcome: 'failure',
          reason: 'invalid_client',
          clientId: client.clientId,
          details: {
            grant_type: 'client_credentials',
            token_endpoint_auth_method: 'tls_client_auth',
            certificate_problem: problem,
          },
        });
        const text = JSON.stringify(recorded[0]);
        expect(text).not.toContain(clientCert.certificate.raw.toString('base64').slice(20, 80));
        expect(text).not.toContain('BEGIN CERTIFICATE');
      },
    );

    it('refuses a request without a certificate', async () => {
      const { client } = await identity.clients.add({
        name: 'Pension batch',
        scopes: SCOPES,
        auth: 'tls_client_auth',
        certSanUri: 'urn:onegate:client:batch',
      });
      const before = audit.events.length;
      const res = await token(client.clientId);
      expect(res).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
      await eventually(() => audit.events.length > before);
      expect(audit.events.length).toBe(before + 1);
      expect(audit.events.at(-1)?.details).toMatchObject({ certificate_problem: 'missing' });
    });
  });

  describe('with self_signed_tls_client_auth', () => {
    it('gives the client presenting its registered certificate a bound token, and refuses another', async () => {
      const { client, clientSecret } = await identity.clients.add({
        name: 'Records batch',
        scopes: SCOPES,
        auth: 'self_signed_tls_client_auth',
        certificatePem: ownCert.pem,
      });
      expect(clientSecret).toBeUndefined();
      // Self-signed: the server finds no CA for it, and that is expected (RFC 8705 §2.2).
      const untrusted = (cert: TestCertificate): ClientCertificate => ({
        certificate: cert.certificate,
        authorized: false,
        problem: 'untrusted',
        via: 'tls',
      });

      const ok = await token(client.clientId, { cert: untrusted(ownCert) });
      expect(ok.status).toBe(200);
      expect(decodeJwt(ok.body['access_token'] as string)['cnf']).toEqual({ 'x5t#S256': x5t(ownCert) });

      const before = audit.events.length;
      const other = await token(client.clientId, { cert: trusted(clientCert) });
      expect(other).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
      await eventually(() => audit.events.length > before);
      expect(audit.events.length).toBe(before + 1);
      expect(audit.events.at(-1)?.details).toMatchObject({
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        certificate_problem: 'subject_mismatch',
      });
    });

    it('refuses its registered certificate once expired, or revoked', async () => {
      const { client } = await identity.clients.add({
        name: 'Records batch',
        scopes: SCOPES,
        auth: 'self_signed_tls_client_auth',
        certificatePem: ownCert.pem,
      });
      for (const problem of ['expired', 'revoked'] as const) {
        const before = audit.events.length;
        const res = await token(client.clientId, {
          cert: { certificate: ownCert.certificate, authorized: false, problem, via: 'tls' },
        });
        expect(res).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
        await eventually(() => audit.events.length > before);
        expect(audit.events.length).toBe(before + 1);
        expect(audit.events.at(-1)?.details).toMatchObject({ certificate_problem: problem });
      }
    });
  });

  describe('with a client secret', () => {
    it('issues unbound tokens as before, even when the connection carries a certificate', async () => {
      const { client, clientSecret } = await identity.clients.add({ name: 'Benefit batch', scopes: SCOPES });
      for (const cert of [undefined, trusted(clientCert)]) {
        const res = await token(client.clientId, { secret: clientSecret!, ...(cert ? { cert } : {}) });
        expect(res.status).toBe(200);
        expect(decodeJwt(res.body['access_token'] as string)).not.toHaveProperty('cnf');
        const caller = await identity.verifyPlatformToken(res.body['access_token'] as string);
        expect(caller.certificateThumbprint).toBeUndefined();
      }
    });

    it('refuses a secret for a TLS client and a certificate for a secret client', async () => {
      const tls = await identity.clients.add({
        name: 'Pension batch',
        scopes: SCOPES,
        auth: 'tls_client_auth',
        certSanUri: 'urn:onegate:client:batch',
      });
      const secret = await identity.clients.add({ name: 'Benefit batch', scopes: SCOPES });
      expect(
        await token(tls.client.clientId, { secret: secret.clientSecret!, cert: trusted(clientCert) }),
      ).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
      expect(await token(secret.client.clientId, { cert: trusted(clientCert) })).toMatchObject({
        status: 401,
        body: { error: 'invalid_client' },
      });
    });
  });

  it('advertises the TLS methods and bound tokens in discovery', async () => {
    const res = await fetch(`${base}/.well-known/openid-configuration`);
    const discovery = (await res.json()) as Record<string, unknown>;
    expect(discovery['token_endpoint_auth_methods_supported']).toEqual(
      expect.arrayContaining(['client_secret_basic', 'tls_client_auth', 'self_signed_tls_client_auth']),
    );
    expect(discovery['tls_client_certificate_bound_access_tokens']).toBe(true);
  });
});

describe('the certificate oidc-provider may use', () => {
  const certs = new OpensslCertificates();
  let own: TestCertificate;

  beforeAll(async () => {
    own = await certs.selfSigned('/CN=records-batch');
  });
  afterAll(() => certs.remove());

  const context = (presented: ClientCertificate) => {
    const req = {} as IncomingMessage;
    setRequestCertificate(req, presented);
    return { req } as KoaContextWithOIDC;
  };

  it('is none outside its validity, even when the server only said "untrusted" (a self-signed one)', () => {
    const presented: ClientCertificate = {
      certificate: own.certificate,
      authorized: false,
      problem: 'untrusted',
      via: 'tls',
    };
    const day = 86_400_000;
    const inside = context(presented);
    expect(usableCertificate(inside, new Date(own.certificate.validFromDate.getTime() + day))).toBe(
      own.certificate,
    );
    const after = context(presented);
    expect(usableCertificate(after, new Date(own.certificate.validToDate.getTime() + day))).toBeUndefined();
    expect(certificateProblem(after)).toBe('expired');
    const before = context(presented);
    expect(
      usableCertificate(before, new Date(own.certificate.validFromDate.getTime() - day)),
    ).toBeUndefined();
    expect(certificateProblem(before)).toBe('not_yet_valid');
  });
});
