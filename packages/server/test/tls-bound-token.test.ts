import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  setRequestCertificate,
  type ClientCertificate,
  type Identity,
  type PlatformCaller,
} from '@onegate/identity';
import { requireScope, type ApiState } from '../src/api/platform-auth.ts';
import { errorResponse } from '../src/http/error-response.ts';
import { createLogger } from '../src/logger.ts';
import {
  certificateThumbprint,
  createCertificateAuthority,
  issueClientCertificate,
} from '../src/pki/index.ts';
import { TestPki } from './tls-openssl.ts';

/**
 * RFC 8705 §3 at /api/v1: a token bound to a certificate (`cnf.x5t#S256`)
 * counts only on a request presenting that certificate. The token check is
 * stood in for; the request's certificate is set as the server's TLS layer
 * would set it.
 */
let bound: X509Certificate;
let other: X509Certificate;
let expired: X509Certificate;
let server: Server;
let url: string;
let presented: ClientCertificate | undefined;

const callers: Record<string, PlatformCaller> = {};

beforeAll(async () => {
  const pki = new TestPki();
  const ca = await pki.ca('OneGate Test CA');
  bound = new X509Certificate((await pki.client(ca, 'tax-office')).certPem);
  other = new X509Certificate((await pki.client(ca, 'tax-office')).certPem);
  callers['bound'] = {
    clientId: 'tax-office',
    scopes: ['audit:read'],
    certificateThumbprint: certificateThumbprint(bound),
  };
  const onegateCa = createCertificateAuthority({
    commonName: 'Test CA',
    permittedHosts: ['localhost'],
    days: 30,
  });
  const longAgo = new Date(Date.now() - 10 * 86_400_000);
  expired = new X509Certificate(
    issueClientCertificate(onegateCa, { clientId: 'tax-office', days: 1, notBefore: longAgo }).certPem,
  );
  callers['expired'] = {
    clientId: 'tax-office',
    scopes: ['audit:read'],
    certificateThumbprint: certificateThumbprint(expired),
  };
  callers['bearer'] = { clientId: 'tax-office', scopes: ['audit:read'] };
  const identity = {
    verifyPlatformToken: (token: string) =>
      callers[token] ? Promise.resolve(callers[token]) : Promise.reject(new Error('bad token')),
  } as unknown as Identity;
  const app = new Koa<ApiState>();
  const log = createLogger({ logLevel: 'silent' });
  app.use(async (ctx, next) => {
    ctx.state.log = log;
    await next();
  });
  app.use(errorResponse());
  app.use(async (ctx, next) => {
    setRequestCertificate(ctx.req, presented);
    await next();
  });
  app.use(requireScope(identity, 'audit:read'));
  app.use((ctx) => {
    ctx.body = { caller: ctx.state.caller.clientId };
  });
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}, 30_000);

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function call(token: string, certificate: ClientCertificate | undefined) {
  presented = certificate;
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

const tls = (certificate: X509Certificate, extra: Partial<ClientCertificate> = {}): ClientCertificate => ({
  certificate,
  authorized: true,
  via: 'tls',
  ...extra,
});

describe('a certificate-bound access token at /api/v1', () => {
  it('works with the certificate it is bound to, over TLS or from a trusted proxy', async () => {
    expect(await call('bound', tls(bound))).toMatchObject({ status: 200, body: { caller: 'tax-office' } });
    expect((await call('bound', tls(bound, { via: 'proxy-header' }))).status).toBe(200);
  });

  it('works with a self-signed certificate, which no CA vouches for', async () => {
    expect((await call('bound', tls(bound, { authorized: false, problem: 'untrusted' }))).status).toBe(200);
  });

  it('is refused with an expired certificate that no CA vouches for (self-signed), which shows only as untrusted', async () => {
    const presented = tls(expired, { authorized: false, problem: 'untrusted' });
    expect(await call('expired', presented)).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
  });

  // Made when each test runs: the certificates exist only after beforeAll.
  it.each([
    ['without a certificate', () => undefined],
    ['with another valid certificate', () => tls(other)],
    ['with the certificate expired', () => tls(bound, { authorized: false, problem: 'expired' })],
    ['with the certificate not yet valid', () => tls(bound, { authorized: false, problem: 'not_yet_valid' })],
    ['with the certificate revoked', () => tls(bound, { authorized: false, problem: 'revoked' })],
  ])('is refused %s: 401 invalid_token', async (_, certificate) => {
    expect(await call('bound', certificate())).toEqual({
      status: 401,
      challenge: 'Bearer error="invalid_token"',
      body: {
        error: 'invalid_token',
        error_description:
          'the access token is bound to a client certificate that this request does not present',
      },
    });
  });

  it('leaves unbound bearer tokens as they were, with or without a certificate', async () => {
    expect((await call('bearer', undefined)).status).toBe(200);
    expect((await call('bearer', tls(other))).status).toBe(200);
    expect((await call('forged', tls(bound))).body['error']).toBe('invalid_token');
  });
});
