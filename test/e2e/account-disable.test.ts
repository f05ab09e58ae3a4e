/**
 * Disabling an account ends what it has open (ASVS 7.4.2): its sign-on
 * sessions, the tokens they bought, and each app hears of it by back-channel
 * logout; the browser that was signed in must sign in again, and cannot.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '@onegate/store/testing';
import { Browser } from './support/browser.ts';
import { startPlatform, type Platform } from './support/platform.ts';
import { LogoutReceiver } from './support/receiver.ts';

const PASSWORD = 'correct horse battery staple 42';

describe.each(engines)('disabling an account on %s', (engine) => {
  let platform: Platform;
  let config: oidc.Configuration;
  const receiver = new LogoutReceiver();
  const redirectUri = 'http://127.0.0.1:9/records/callback';

  beforeAll(async () => {
    await receiver.start();
    platform = await startPlatform(engine);
    const { client, clientSecret } = await platform.server.identity.clients.add({
      name: 'Records',
      redirectUris: [redirectUri],
      backchannelLogoutUri: receiver.url,
      scopes: ['openid', 'profile', 'offline_access'],
      firstParty: true,
    });
    config = await oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  });

  afterAll(async () => {
    await platform?.stop();
    await receiver.stop();
  });

  /** Code + PKCE in `browser`; the tokens, or where the browser stopped. */
  async function authorize(browser: Browser, extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile offline_access',
      prompt: 'consent',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...extra,
    });
    const landing = await browser.visit(url.toString(), redirectUri);
    const exchange = (callbackUrl: string) =>
      oidc.authorizationCodeGrant(config, new URL(callbackUrl), {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
    return { landing, exchange };
  }

  it('ends its sessions and tokens, tells its apps, and leaves the browser signed out', async () => {
    const account = await platform.server.identity.accounts.create({
      username: 'soon.gone',
      password: PASSWORD,
    });
    const browser = new Browser();
    const { landing, exchange } = await authorize(browser);
    const back = await browser.submit(landing, { username: 'soon.gone', password: PASSWORD }, redirectUri);
    const tokens = await exchange(back.url);
    expect(tokens.refresh_token).toBeTruthy();
    receiver.tokens.length = 0;

    await platform.server.identity.accounts.setDisabled(account.id, true);

    // The app is told, from the queue any running server delivers.
    await platform.server.identity.deliverDueLogouts();
    expect(receiver.tokens).toHaveLength(1);
    // What the sign-in bought is gone.
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    await expect(oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub)).rejects.toBeTruthy();
    // The browser's session is gone too: silent sign-in needs a login, the next visit shows the form.
    const silent = await authorize(browser, { prompt: 'none' });
    expect(silent.landing.redirected).toBe(true);
    expect(new URL(silent.landing.url).searchParams.get('error')).toBe('login_required');
    const again = await authorize(browser);
    expect(again.landing.status).toBe(200);
    expect(again.landing.body).toContain('name="password"');
  });

  it('asks a browser whose account was disabled behind its back to sign in, never failing with a 500', async () => {
    const account = await platform.server.identity.accounts.create({ username: 'raced', password: PASSWORD });
    const browser = new Browser();
    const { landing } = await authorize(browser);
    await browser.submit(landing, { username: 'raced', password: PASSWORD }, redirectUri);
    // Disabled by another process in the instant between its sessions ending and this request.
    await platform.server.store.exec('UPDATE accounts SET disabled = 1 WHERE id = $1', [account.id]);
    const silent = await authorize(browser, { prompt: 'none' });
    expect(silent.landing.status).not.toBe(500);
    expect(new URL(silent.landing.url).searchParams.get('error')).toBe('login_required');
    const again = await authorize(browser);
    expect(again.landing.status).toBe(200);
    expect(again.landing.body).toContain('name="password"');
  });

  it('lets an operator end every session of an account without disabling it (ASVS 7.4.5)', async () => {
    const account = await platform.server.identity.accounts.create({
      username: 'lost.phone',
      password: PASSWORD,
    });
    const browser = new Browser();
    const { landing, exchange } = await authorize(browser);
    const tokens = await exchange(
      (await browser.submit(landing, { username: 'lost.phone', password: PASSWORD }, redirectUri)).url,
    );
    receiver.tokens.length = 0;

    expect(await platform.server.identity.accounts.signOutEverywhere(account.id)).toBe(1);
    await platform.server.identity.deliverDueLogouts();
    expect(receiver.tokens).toHaveLength(1);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // Signed out, not shut out: the same browser signs in again.
    const again = await authorize(browser);
    expect(again.landing.body).toContain('name="password"');
    const back = await browser.submit(
      again.landing,
      { username: 'lost.phone', password: PASSWORD },
      redirectUri,
    );
    expect(back.redirected).toBe(true);
  });
});
