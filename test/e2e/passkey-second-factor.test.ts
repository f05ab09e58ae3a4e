import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SoftAuthenticator } from '@onegate/identity/testing';
import { auditRows } from './support/audit-rows.ts';
import { Browser } from './support/browser.ts';
import { startPlatform, type Platform } from './support/platform.ts';

const PASSWORD = 'correct horse battery staple 42';

describe('a passkey as the second factor after a password', () => {
  let platform: Platform;
  let config: oidc.Configuration;
  let authenticator: SoftAuthenticator;
  const redirectUri = 'http://127.0.0.1:9/app/callback';

  beforeAll(async () => {
    platform = await startPlatform('sqlite');
    const { identity } = platform.server;
    const { client, clientSecret } = await identity.clients.add({
      name: 'App',
      redirectUris: [redirectUri],
      firstParty: true,
    });
    config = await oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const account = await identity.accounts.create({ username: 'li.wei', password: PASSWORD });
    const issuer = new URL(platform.issuer);
    authenticator = new SoftAuthenticator({ rpId: issuer.hostname, origin: issuer.origin });
    const options = await identity.passkeys.registrationOptions(
      { id: account.id, username: 'li.wei' },
      'setup',
    );
    await identity.passkeys.register(account.id, 'setup', authenticator.register(options), 'Laptop');
  });
  afterAll(() => platform?.stop());

  it('asks for more than the password when the app needs substantial, and the passkey completes it', async () => {
    const browser = new Browser();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 's',
      acr_values: 'urn:onegate:acr:substantial',
    });
    const login = await browser.visit(url.toString(), redirectUri);
    const second = await browser.submit(login, { username: 'li.wei', password: PASSWORD }, redirectUri);
    expect(second.body).toContain('id="passkey-signin"');
    const optionsUrl = new URL(
      /data-options-url="([^"]+)"/.exec(second.body)![1]!,
      platform.issuer,
    ).toString();
    const verifyUrl = new URL(/data-verify-url="([^"]+)"/.exec(second.body)![1]!, platform.issuer).toString();
    const csrf = /data-csrf="([^"]+)"/.exec(second.body)![1]!;

    const options = await browser.postJson(optionsUrl, {}, { 'x-csrf-token': csrf });
    expect(options.status).toBe(200);
    const response = authenticator.authenticate(
      options.json as Parameters<SoftAuthenticator['authenticate']>[0],
    );
    const verified = await browser.postJson(verifyUrl, { response }, { 'x-csrf-token': csrf });
    expect(verified.status).toBe(200);
    const callback = await browser.visit((verified.json as { redirect: string }).redirect, redirectUri);
    const claims = (
      await oidc.authorizationCodeGrant(config, new URL(callback.url), {
        pkceCodeVerifier: verifier,
        expectedState: 's',
      })
    ).claims()!;
    expect(claims.acr).toBe('urn:onegate:acr:substantial');
    expect(claims['amr']).toEqual(['pwd', 'hwk', 'user', 'mfa']);
  });

  it('refuses a passkey answer signed for another site, and audits the failure', async () => {
    const browser = new Browser();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGUSbOVEYc',
      code_challenge_method: 'S256',
      state: 's',
    });
    const login = await browser.visit(url.toString(), redirectUri);
    const optionsUrl = new URL(
      /data-options-url="([^"]+)"/.exec(login.body)![1]!,
      platform.issuer,
    ).toString();
    const verifyUrl = new URL(/data-verify-url="([^"]+)"/.exec(login.body)![1]!, platform.issuer).toString();
    const csrf = /data-csrf="([^"]+)"/.exec(login.body)![1]!;
    const options = await browser.postJson(optionsUrl, {}, { 'x-csrf-token': csrf });
    const phished = authenticator.authenticate(
      options.json as Parameters<SoftAuthenticator['authenticate']>[0],
      {
        origin: 'https://onegate.phish.example',
      },
    );
    const result = await browser.postJson(verifyUrl, { response: phished }, { 'x-csrf-token': csrf });
    expect(result.status).toBe(401);
    const events = (await auditRows(platform.server, 'login.passkey')).filter((e) => e.outcome === 'failure');
    expect(events).toContainEqual(
      expect.objectContaining({ outcome: 'failure', reason: 'verification_failed' }),
    );
  });

  it('refuses a passkey answer without the page token', async () => {
    const browser = new Browser();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGUSbOVEYc',
      code_challenge_method: 'S256',
      state: 's',
    });
    const login = await browser.visit(url.toString(), redirectUri);
    const optionsUrl = new URL(
      /data-options-url="([^"]+)"/.exec(login.body)![1]!,
      platform.issuer,
    ).toString();
    expect((await browser.postJson(optionsUrl, {}, { 'x-csrf-token': 'forged' })).status).toBe(403);
  });
});
