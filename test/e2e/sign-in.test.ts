import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '@onegate/store/testing';
import { Browser, type Landing } from './support/browser.ts';
import { startPlatform, type Platform } from './support/platform.ts';
import { LogoutReceiver } from './support/receiver.ts';

const PASSWORD = 'correct horse battery staple 42';

interface App {
  config: oidc.Configuration;
  clientId: string;
  redirectUri: string;
}

describe.each(engines)('single sign-on on %s', (engine) => {
  let platform: Platform;
  let appA: App;
  let appB: App;
  let accountId: string;
  const receiverA = new LogoutReceiver();
  const receiverB = new LogoutReceiver();

  async function register(name: string, receiver: LogoutReceiver, firstParty: boolean): Promise<App> {
    const redirectUri = `http://127.0.0.1:9/${name}/callback`;
    const { client, clientSecret } = await platform.server.identity.clients.add({
      name,
      redirectUris: [redirectUri],
      postLogoutRedirectUris: [`http://127.0.0.1:9/${name}/signed-out`],
      backchannelLogoutUri: receiver.url,
      scopes: ['openid', 'profile', 'email', 'phone', 'offline_access'],
      firstParty,
    });
    const config = await oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    return { config, clientId: client.clientId, redirectUri };
  }

  /** Starts a code + PKCE request; returns what the callback check needs. */
  async function authorize(app: App, browser: Browser, extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(app.config, {
      redirect_uri: app.redirectUri,
      scope: 'openid profile email offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    const landing = await browser.visit(url.toString(), app.redirectUri);
    const exchange = (callback: Landing) =>
      oidc.authorizationCodeGrant(app.config, new URL(callback.url), {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
      });
    return { landing, exchange };
  }

  async function signIn(browser: Browser, page: Landing, stopAt: string): Promise<Landing> {
    expect(page.status).toBe(200);
    expect(page.body).toContain('name="password"');
    return browser.submit(page, { username: 'li.wei', password: PASSWORD }, stopAt);
  }

  beforeAll(async () => {
    await receiverA.start();
    await receiverB.start();
    platform = await startPlatform(engine);
    appA = await register('social-security', receiverA, false);
    appB = await register('tax', receiverB, true);
    const account = await platform.server.identity.accounts.create({
      username: 'li.wei',
      password: PASSWORD,
      name: 'Li Wei',
      phone: '+86 138 0013 8000',
      email: 'li.wei@example.cn',
    });
    accountId = account.id;
  });

  afterAll(async () => {
    await platform?.stop();
    await receiverA.stop();
    await receiverB.stop();
  });

  it('signs in at app A with a password, asks consent once, and issues tokens with acr, amr and a pairwise sub', async () => {
    const browser = new Browser();
    const { landing, exchange } = await authorize(appA, browser, { prompt: 'consent' });
    const consent = await signIn(browser, landing, appA.redirectUri);
    expect(consent.body).toContain('name="decision"');
    const callback = await browser.submit(consent, { decision: 'allow' }, appA.redirectUri);
    expect(callback.redirected).toBe(true);
    const tokens = await exchange(callback);
    const claims = tokens.claims()!;
    expect(claims.acr).toBe('urn:onegate:acr:low');
    expect(claims['amr']).toEqual(['pwd']);
    expect(typeof claims.auth_time).toBe('number');
    expect(claims.sub).not.toBe(accountId);
    expect(tokens.refresh_token).toBeTruthy();

    const userinfo = await oidc.fetchUserInfo(appA.config, tokens.access_token, claims.sub);
    expect(userinfo).toMatchObject({ name: 'Li Wei', email: 'li.wei@example.cn' });
  });

  it('remembers consent: a later sign-in from another browser goes straight back to the app', async () => {
    await platform.server.identity.accounts.create({ username: 'wang.fang', password: PASSWORD });
    const browser = new Browser();
    const start = await authorize(appA, browser);
    const consent = await browser.submit(
      start.landing,
      { username: 'wang.fang', password: PASSWORD },
      appA.redirectUri,
    );
    expect(consent.body).toContain('name="decision"');
    await browser.submit(consent, { decision: 'allow' }, appA.redirectUri);

    const elsewhere = new Browser();
    const later = await authorize(appA, elsewhere);
    const back = await elsewhere.submit(
      later.landing,
      { username: 'wang.fang', password: PASSWORD },
      appA.redirectUri,
    );
    expect(back.redirected).toBe(true);
    expect(new URL(back.url).searchParams.get('code')).toBeTruthy();
  });

  it('answers a wrong password and an unknown user with the same page', async () => {
    const attempt = async (username: string) => {
      const browser = new Browser();
      const { landing } = await authorize(appA, browser);
      return browser.submit(landing, { username, password: 'not the password at all' });
    };
    const wrongPassword = await attempt('li.wei');
    const unknownUser = await attempt('nobody.here');
    expect(wrongPassword.status).toBe(401);
    expect(unknownUser.status).toBe(401);
    const message = (page: Landing) => /role="alert"[\s\S]*?<\/div>/.exec(page.body)?.[0];
    expect(message(wrongPassword)).toBeTruthy();
    expect(message(unknownUser)).toBe(message(wrongPassword));
  });

  it('opens app B without a password (SSO), with a different pairwise sub', async () => {
    const browser = new Browser();
    const first = await authorize(appA, browser);
    const callbackA = await signIn(browser, first.landing, appA.redirectUri);
    const subA = (await first.exchange(callbackA)).claims()!.sub;

    const second = await authorize(appB, browser);
    expect(second.landing.redirected).toBe(true);
    const claimsB = (await second.exchange(second.landing)).claims()!;
    expect(claimsB.sub).not.toBe(subA);
    expect(claimsB.acr).toBe('urn:onegate:acr:low');
  });

  it('rotates refresh tokens and revokes the whole grant when an old one is replayed', async () => {
    const browser = new Browser();
    const { landing, exchange } = await authorize(appA, browser, { prompt: 'consent' });
    const consent = await signIn(browser, landing, appA.redirectUri);
    const tokens = await exchange(
      consent.redirected ? consent : await browser.submit(consent, { decision: 'allow' }, appA.redirectUri),
    );
    const first = tokens.refresh_token!;
    const rotated = await oidc.refreshTokenGrant(appA.config, first);
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(first);

    await expect(oidc.refreshTokenGrant(appA.config, first)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // Reuse means theft: the thief's copy and the legitimate new token both stop working.
    await expect(oidc.refreshTokenGrant(appA.config, rotated.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('accepts a pushed authorization request (RFC 9126) and completes SSO through it', async () => {
    const browser = new Browser();
    const first = await authorize(appB, browser);
    await first.exchange(await signIn(browser, first.landing, appB.redirectUri));
    const verifier = oidc.randomPKCECodeVerifier();
    const url = await oidc.buildAuthorizationUrlWithPAR(appB.config, {
      redirect_uri: appB.redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'par',
    });
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(url.searchParams.get('redirect_uri')).toBeNull();
    const landing = await browser.visit(url.toString(), appB.redirectUri);
    const tokens = await oidc.authorizationCodeGrant(appB.config, new URL(landing.url), {
      pkceCodeVerifier: verifier,
      expectedState: 'par',
    });
    expect(tokens.claims()?.acr).toBe('urn:onegate:acr:low');
  });

  it('completes prompt=login at an app used for the first time (regression: its consent step dropped the sign-in and looped)', async () => {
    await platform.server.identity.accounts.create({ username: 'first.time', password: PASSWORD });
    const browser = new Browser();
    const start = await authorize(appB, browser, { prompt: 'login' });
    const back = await browser.submit(
      start.landing,
      { username: 'first.time', password: PASSWORD },
      appB.redirectUri,
    );
    expect(back.redirected).toBe(true);
    expect((await start.exchange(back)).claims()?.acr).toBe('urn:onegate:acr:low');
  });

  it('answers prompt=none with a code inside a session and login_required outside one', async () => {
    const browser = new Browser();
    const first = await authorize(appB, browser);
    await first.exchange(await signIn(browser, first.landing, appB.redirectUri));
    const silent = await authorize(appB, browser, { prompt: 'none' });
    expect(silent.landing.redirected).toBe(true);
    expect(new URL(silent.landing.url).searchParams.get('code')).toBeTruthy();

    const stranger = await authorize(appB, new Browser(), { prompt: 'none' });
    expect(new URL(stranger.landing.url).searchParams.get('error')).toBe('login_required');
  });

  it('steps up: acr_values above the session level asks again instead of answering low', async () => {
    const browser = new Browser();
    const first = await authorize(appB, browser);
    await first.exchange(await signIn(browser, first.landing, appB.redirectUri));

    const silent = await authorize(appB, browser, {
      prompt: 'none',
      acr_values: 'urn:onegate:acr:substantial',
    });
    expect(new URL(silent.landing.url).searchParams.get('error')).toBe('login_required');

    const interactive = await authorize(appB, browser, { acr_values: 'urn:onegate:acr:substantial' });
    expect(interactive.landing.redirected).toBe(false);
    expect(interactive.landing.body).toContain('role="status"');
    // A password alone cannot reach `substantial`: the page says so again rather than issuing a code.
    const again = await signIn(browser, interactive.landing, appB.redirectUri);
    expect(again.redirected).toBe(false);
    expect(again.status).toBe(401);
  });

  it('signs out of every app: RP-initiated logout with back-channel logout tokens to both apps', async () => {
    receiverA.tokens.length = 0;
    receiverB.tokens.length = 0;
    const browser = new Browser();
    const first = await authorize(appA, browser, { prompt: 'consent' });
    const afterLogin = await signIn(browser, first.landing, appA.redirectUri);
    const callbackA = afterLogin.redirected
      ? afterLogin
      : await browser.submit(afterLogin, { decision: 'allow' }, appA.redirectUri);
    const tokensA = await first.exchange(callbackA);
    const second = await authorize(appB, browser);
    await second.exchange(second.landing);

    const signedOut = `http://127.0.0.1:9/social-security/signed-out`;
    const endSession = oidc.buildEndSessionUrl(appA.config, {
      id_token_hint: tokensA.id_token!,
      post_logout_redirect_uri: signedOut,
      state: 'bye',
    });
    const confirm = await browser.visit(endSession.toString(), signedOut);
    expect(confirm.body).toContain('name="logout"');
    const done = await browser.submit(confirm, { logout: 'yes' }, signedOut);
    expect(done.url).toBe(`${signedOut}?state=bye`);

    expect(receiverA.tokens).toHaveLength(1);
    expect(receiverB.tokens).toHaveLength(1);
    const { createRemoteJWKSet, jwtVerify } = await import('jose');
    const jwks = createRemoteJWKSet(new URL(`${platform.issuer}/jwks`));
    for (const [token, app] of [
      [receiverA.tokens[0]!, appA],
      [receiverB.tokens[0]!, appB],
    ] as const) {
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer: platform.issuer,
        audience: app.clientId,
        typ: 'logout+jwt',
      });
      expect(protectedHeader.alg).toBe('ES256');
      expect(payload['events']).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
      expect(payload['sid']).toBeTruthy();
      expect(payload['nonce']).toBeUndefined();
    }

    // A logout token is signed by the same key for the same app, but it is not an ID token (ASVS 9.2.2).
    const withLogoutToken = await new Browser().visit(
      oidc
        .buildEndSessionUrl(appA.config, {
          id_token_hint: receiverA.tokens[0]!,
          post_logout_redirect_uri: signedOut,
        })
        .toString(),
      signedOut,
    );
    expect(withLogoutToken.status).toBe(400);
    expect(withLogoutToken.body).not.toContain('name="logout"');
    expect(withLogoutToken.body).toContain('invalid_request');

    // An app that was down when the citizen signed out still learns of it, from a retry.
    receiverB.failNext = 1;
    const again = new Browser();
    const signInA = await authorize(appA, again);
    const backA = await signIn(again, signInA.landing, appA.redirectUri);
    const idToken = (await signInA.exchange(backA)).id_token!;
    const signInB = await authorize(appB, again);
    await signInB.exchange(signInB.landing);
    const tokensBefore = receiverB.tokens.length;
    const confirmAgain = await again.visit(
      oidc
        .buildEndSessionUrl(appA.config, { id_token_hint: idToken, post_logout_redirect_uri: signedOut })
        .toString(),
      signedOut,
    );
    await again.submit(confirmAgain, { logout: 'yes' }, signedOut);
    expect(receiverB.tokens.length).toBe(tokensBefore);
    await platform.server.identity.deliverDueLogouts(Date.now() + 6_000);
    expect(receiverB.tokens.length).toBe(tokensBefore + 1);

    // The session is gone everywhere: app B now needs a sign-in again.
    const after = await authorize(appB, browser, { prompt: 'none' });
    expect(new URL(after.landing.url).searchParams.get('error')).toBe('login_required');
  });
});
