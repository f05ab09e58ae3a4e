/**
 * A public app (no secret: a mobile or single-page app) cannot prove that a
 * refresh token is its own, so OneGate rotates it on every use and treats a
 * replay as theft (ASVS 10.4.5): the replayed token and the one it was
 * replaced by both stop working.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '@onegate/store/testing';
import { Browser } from './support/browser.ts';
import { startPlatform, type Platform } from './support/platform.ts';

const PASSWORD = 'correct horse battery staple 42';

describe.each(engines)('a public app’s refresh tokens on %s', (engine) => {
  let platform: Platform;
  let config: oidc.Configuration;
  const redirectUri = 'http://127.0.0.1:9/mobile/callback';

  beforeAll(async () => {
    platform = await startPlatform(engine);
    const { client, clientSecret } = await platform.server.identity.clients.add({
      name: 'Citizen app',
      redirectUris: [redirectUri],
      scopes: ['openid', 'profile', 'offline_access'],
      public: true,
      firstParty: true,
    });
    expect(clientSecret).toBeUndefined();
    config = await oidc.discovery(new URL(platform.issuer), client.clientId, undefined, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    await platform.server.identity.accounts.create({ username: 'li.wei', password: PASSWORD });
  });
  afterAll(() => platform?.stop());

  it('rotates on every refresh, and a replay ends both the old and the new token', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile offline_access',
      prompt: 'consent',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const browser = new Browser();
    const page = await browser.visit(url.toString(), redirectUri);
    const back = await browser.submit(page, { username: 'li.wei', password: PASSWORD }, redirectUri);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), {
      pkceCodeVerifier: verifier,
    });
    const first = tokens.refresh_token!;
    expect(first).toBeTruthy();

    const second = (await oidc.refreshTokenGrant(config, first)).refresh_token!;
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    const third = (await oidc.refreshTokenGrant(config, second)).refresh_token!;
    expect(third).not.toBe(second);

    // The thief replays the second token: refused, and the app's current one is revoked with it.
    await expect(oidc.refreshTokenGrant(config, second)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(config, third)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
