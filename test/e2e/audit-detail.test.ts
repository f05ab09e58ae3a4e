/**
 * What an officer reads in the audit log about requests: each event says which
 * request wrote it and from which user agent (ASVS 16.2.1); refused CSRF
 * tokens, unregistered redirect URIs and bad logout requests are events of
 * their own (16.3.3), and a back-channel logout that failed says why, down to
 * the TLS error (16.3.4).
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueServerCertificate } from '@onegate/server';
import { engines } from '@onegate/store/testing';
import { auditRows } from './support/audit-rows.ts';
import { Browser } from './support/browser.ts';
import { startPlatform, type Platform } from './support/platform.ts';

const PASSWORD = 'correct horse battery staple 42';
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) OneGateTest/1.0';

describe.each(engines)('audit detail of requests on %s', (engine) => {
  let platform: Platform;
  let config: oidc.Configuration;
  let clientId: string;
  let clientSecret: string;
  let accountId: string;
  let untrusted: Server;
  const redirectUri = 'http://127.0.0.1:9/records/callback';

  beforeAll(async () => {
    // An app whose back-channel endpoint has a certificate OneGate does not trust (the CA outlives the leaf:
    // issued a moment later for as many days, the leaf would end after it and be refused).
    const ca = createCertificateAuthority({ commonName: 'Not a trusted CA', permittedHosts: [], days: 2 });
    const cert = issueServerCertificate(ca, { hosts: ['127.0.0.1'], days: 1 });
    untrusted = createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => res.end());
    await new Promise<void>((resolve) => untrusted.listen(0, '127.0.0.1', resolve));
    const port = (untrusted.address() as AddressInfo).port;

    platform = await startPlatform(engine);
    const added = await platform.server.identity.clients.add({
      name: 'Records',
      redirectUris: [redirectUri],
      backchannelLogoutUri: `https://127.0.0.1:${port}/backchannel-logout`,
      scopes: ['openid', 'profile'],
      firstParty: true,
    });
    clientId = added.client.clientId;
    clientSecret = added.clientSecret!;
    config = await oidc.discovery(new URL(platform.issuer), clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    accountId = (await platform.server.identity.accounts.create({ username: 'li.wei', password: PASSWORD }))
      .id;
  });

  afterAll(async () => {
    await platform?.stop();
    await new Promise((resolve) => untrusted?.close(resolve));
  });

  function authorizationUrl(extra: Record<string, string> = {}): string {
    return oidc
      .buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid profile',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        ...extra,
      })
      .toString();
  }

  it('names the request and the user agent of a sign-in and of a token request', async () => {
    const browser = new Browser({ userAgent: `${USER_AGENT}\tend` });
    const page = await browser.visit(authorizationUrl());
    const back = await browser.submit(page, { username: 'li.wei', password: PASSWORD }, redirectUri);
    expect(back.redirected).toBe(true);
    const [login] = (await auditRows(platform.server, 'login')).filter((r) => r.subject === accountId);
    // A header's tab is not a character a record may hold: it becomes a space.
    expect(login!.event.source).toMatchObject({ address: '127.0.0.1', userAgent: `${USER_AGENT} end` });
    expect(login!.event.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);

    const res = await fetch(`${platform.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'records-backend/2.3',
        'x-request-id': 'records-7f3a-0001',
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: 'not the secret',
      }),
    });
    expect(res.status).toBe(401);
    const refused = (await auditRows(platform.server, 'token.issue')).filter(
      (r) => r.event.requestId === 'records-7f3a-0001',
    );
    expect(refused).toHaveLength(1);
    expect(refused[0]!.event).toMatchObject({
      outcome: 'failure',
      reason: 'invalid_client',
      source: { userAgent: 'records-backend/2.3' },
    });
  });

  it('audits a refused CSRF token, once a minute per source however often it is sent', async () => {
    const before = (await auditRows(platform.server, 'csrf.refused')).length;
    const browser = new Browser();
    const page = await browser.visit(authorizationUrl({ prompt: 'login' }));
    const forged = {
      ...page,
      body: page.body.replace(/name="csrf" value="[^"]*"/, 'name="csrf" value="forged"'),
    };
    for (let i = 0; i < 3; i++) {
      const again = await browser.submit(forged, { username: 'li.wei', password: PASSWORD });
      expect(again.status).toBe(403);
    }
    const events = (await auditRows(platform.server, 'csrf.refused')).slice(before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'denied', reason: 'bad_token', address: '127.0.0.1' });
    expect(JSON.parse(events[0]!.details!)).toMatchObject({ method: 'POST' });

    // Another reason is another event: a post from another site's page.
    const attacker = new Browser({ origin: 'https://attacker.example' });
    const attacked = await attacker.visit(authorizationUrl({ prompt: 'login' }));
    expect((await attacker.submit(attacked, { username: 'li.wei', password: PASSWORD })).status).toBe(403);
    const reasons = (await auditRows(platform.server, 'csrf.refused')).slice(before).map((r) => r.reason);
    expect(reasons).toEqual(['bad_token', 'foreign_origin']);
  });

  it('audits an authorization request for an unregistered redirect URI, and a bad logout request', async () => {
    const elsewhere = 'https://attacker.example/steal';
    const answer = await new Browser().visit(authorizationUrl({ redirect_uri: elsewhere }));
    expect(answer.status).toBe(400);
    const [refused] = await auditRows(platform.server, 'authorization.refused');
    expect(refused).toMatchObject({ outcome: 'denied', reason: 'invalid_redirect_uri', client_id: clientId });
    expect(JSON.parse(refused!.details!)).toMatchObject({
      endpoint: 'authorization',
      redirect_uri: elsewhere,
    });

    // prompt=none outside a session is single sign-on asking, not an attack: no event.
    const silent = await new Browser().visit(authorizationUrl({ prompt: 'none' }), redirectUri);
    expect(new URL(silent.url).searchParams.get('error')).toBe('login_required');
    expect(await auditRows(platform.server, 'authorization.refused')).toHaveLength(1);

    const logout = await new Browser().visit(
      `${platform.issuer}/session/end?client_id=${clientId}&post_logout_redirect_uri=${encodeURIComponent(elsewhere)}`,
    );
    expect(logout.status).toBe(400);
    const [badLogout] = await auditRows(platform.server, 'logout.refused');
    expect(badLogout).toMatchObject({ outcome: 'denied', reason: 'invalid_request' });
    expect(JSON.parse(badLogout!.details!)).toMatchObject({ post_logout_redirect_uri: elsewhere });
  });

  it('says why a back-channel logout failed: here, the app certificate OneGate does not trust', async () => {
    expect(await platform.server.identity.accounts.signOutEverywhere(accountId)).toBeGreaterThan(0);
    await platform.server.identity.deliverDueLogouts();
    const failed = (await auditRows(platform.server, 'logout.backchannel')).filter(
      (r) => r.client_id === clientId && r.outcome === 'failure',
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]!.reason).toBe('will_retry');
    const { cause } = JSON.parse(failed[0]!.details!) as { cause: string };
    expect(cause).toMatch(/CERT|SIGNATURE|ISSUER/);
  });
});
