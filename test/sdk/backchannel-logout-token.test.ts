import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OneGateError } from '@onegate/sdk';
import { startPlatform, type Platform } from '../e2e/support/platform.ts';
import { LogoutReceiver } from '../e2e/support/receiver.ts';
import { CitizenBrowser, PASSWORD, signIn, startApp, type TestApp } from './login-harness.ts';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const REFUSED = { error: 'invalid_request', error_description: 'the logout token is not valid' };

describe('back-channel logout tokens the SDK refuses (OIDC Back-Channel Logout 1.0 §2.6)', () => {
  let platform: Platform;
  let app: TestApp;
  let trustedKey: CryptoKey;
  let otherKey: CryptoKey;

  beforeAll(async () => {
    platform = await startPlatform('sqlite');
    const trusted = await generateKeyPair('ES256', { extractable: true });
    trustedKey = trusted.privateKey;
    otherKey = (await generateKeyPair('ES256')).privateKey;
    const testJwk = { ...(await exportJWK(trusted.publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
    // The app's fetch (LoginOptions.fetch) adds a key of ours to OneGate's JWKS, so a token can pass the
    // signature and be refused for exactly the claim each test breaks.
    const withTestKey = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const res = await fetch(input, init);
      if (new URL(input instanceof Request ? input.url : input).pathname !== '/jwks') return res;
      const { keys } = (await res.json()) as { keys: unknown[] };
      return Response.json({ keys: [...keys, testJwk] });
    };
    app = await startApp(platform, 'tokens', 'koa', { login: { fetch: withTestKey } });
    await platform.server.identity.accounts.create({ username: 'li.wei', password: PASSWORD });
  });

  afterAll(async () => {
    await app?.stop();
    await platform?.stop();
  });

  async function signedIn(): Promise<{ browser: CitizenBrowser; sub: string; sid: string }> {
    const browser = new CitizenBrowser();
    const page = await signIn(browser, await browser.visit(app.url('/me')), 'li.wei');
    const { session } = JSON.parse(page.body) as { session: { sub: string; sid: string } };
    return { browser, ...session };
  }

  async function token(
    claims: Record<string, unknown>,
    header: Record<string, unknown> = {},
    key: CryptoKey = trustedKey,
  ): Promise<string> {
    const payload: Record<string, unknown> = {
      iss: platform.issuer,
      aud: app.clientId,
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      events: { [EVENT]: {} },
      ...claims,
    };
    for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid: 'test-key', typ: 'logout+jwt', ...header })
      .sign(key);
  }

  async function post(
    logoutToken: string,
  ): Promise<{ status: number; body: unknown; cacheControl: string | null }> {
    const res = await fetch(app.url('/auth/backchannel-logout'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: logoutToken }),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? (JSON.parse(text) as unknown) : undefined,
      cacheControl: res.headers.get('cache-control'),
    };
  }

  async function stillSignedIn(browser: CitizenBrowser): Promise<boolean> {
    return (await browser.request(app.url('/me'))).status === 200;
  }

  it('accepts a well-formed token from a trusted key: 200, no-store, and the session with that sid ends', async () => {
    const { browser, sub, sid } = await signedIn();
    const res = await post(await token({ sub, sid }));
    expect(res.status).toBe(200);
    expect(res.cacheControl).toBe('no-store');
    expect(await stillSignedIn(browser)).toBe(false);
  });

  it('ends every session of the sub when the token names no sid', async () => {
    const { browser, sub } = await signedIn();
    expect((await post(await token({ sub }))).status).toBe(200);
    expect(await stillSignedIn(browser)).toBe(false);
    // A sign-in after the logout is a new session, not sent round in a loop (OneGate's session was not ended).
    expect((await browser.visit(app.url('/me'))).url).toBe(app.url('/me'));
    expect(await stillSignedIn(browser)).toBe(true);
  });

  const cases: [string, (s: { sub: string; sid: string }) => Promise<string>][] = [
    ['a bad signature (a key OneGate does not have, same kid)', (s) => token(s, {}, otherKey)],
    [
      'a tampered payload',
      async (s) => {
        const [h, , sig] = (await token({ ...s, sid: 'another-session' })).split('.');
        return `${h}.${Buffer.from(JSON.stringify({ iss: platform.issuer, aud: app.clientId, ...s })).toString('base64url')}.${sig}`;
      },
    ],
    [
      'no signature (alg none)',
      async (s) => {
        const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
        const claims = {
          iss: platform.issuer,
          aud: app.clientId,
          iat: Math.floor(Date.now() / 1000),
          jti: randomUUID(),
          events: { [EVENT]: {} },
          ...s,
        };
        return `${part({ alg: 'none', typ: 'logout+jwt' })}.${part(claims)}.`;
      },
    ],
    ['the wrong audience', (s) => token({ ...s, aud: 'og_some_other_app' })],
    ['the wrong issuer', (s) => token({ ...s, iss: 'https://id.evil.example' })],
    ['no events claim', (s) => token({ ...s, events: undefined })],
    [
      'an events claim without the back-channel logout member',
      (s) => token({ ...s, events: { 'urn:other:event': {} } }),
    ],
    ['an events claim that is an array', (s) => token({ ...s, events: [EVENT] })],
    ['an events member that is not an object', (s) => token({ ...s, events: { [EVENT]: 'yes' } })],
    ['neither sid nor sub', () => token({})],
    ['a nonce', (s) => token({ ...s, nonce: 'n-0S6_WzA2Mj' })],
    ['an iat ten minutes old', (s) => token({ ...s, iat: Math.floor(Date.now() / 1000) - 600 })],
    ['an iat ten minutes ahead', (s) => token({ ...s, iat: Math.floor(Date.now() / 1000) + 600 })],
    ['no iat', (s) => token({ ...s, iat: undefined })],
    ['no jti', (s) => token({ ...s, jti: undefined })],
    ['an expired exp', (s) => token({ ...s, exp: Math.floor(Date.now() / 1000) - 120 })],
    ['a typ that is not logout+jwt', (s) => token(s, { typ: 'JWT' })],
    [
      'an ID token in its place',
      (s) => token({ ...s, events: undefined, nonce: 'n', auth_time: 1 }, { typ: undefined }),
    ],
  ];

  it.each(cases)(
    'refuses a token with %s: 400 invalid_request, and the session stays',
    async (_name, make) => {
      const { browser, sub, sid } = await signedIn();
      const res = await post(await make({ sub, sid }));
      expect(res).toMatchObject({ status: 400, body: REFUSED });
      expect(await stillSignedIn(browser)).toBe(true);
    },
  );

  it('refuses a replayed jti, with the same answer', async () => {
    const { browser, sub, sid } = await signedIn();
    const first = await token({ sub, sid: 'a-session-already-gone' });
    expect((await post(first)).status).toBe(200);
    expect(await post(first)).toMatchObject({ status: 400, body: REFUSED });
    // A new token reusing the jti is a replay too, even naming a live session.
    const { jti } = JSON.parse(Buffer.from(first.split('.')[1]!, 'base64url').toString()) as { jti: string };
    expect(await post(await token({ sub, sid, jti }))).toMatchObject({ status: 400, body: REFUSED });
    expect(await stillSignedIn(browser)).toBe(true);
  });

  it('refuses a request without a logout_token form field', async () => {
    for (const init of [
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=abc' },
      { headers: { 'content-type': 'application/json' }, body: '{"logout_token":"abc"}' },
      {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `logout_token=${'a'.repeat(20_000)}`,
      },
    ]) {
      const res = await fetch(app.url('/auth/backchannel-logout'), { method: 'POST', ...init });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual(REFUSED);
    }
  });
});

describe('a real logout token from OneGate', () => {
  let platform: Platform;
  let captured: TestApp;
  let other: TestApp;
  const receiver = new LogoutReceiver();

  beforeAll(async () => {
    await receiver.start();
    platform = await startPlatform('sqlite');
    // This app's logout tokens go to the receiver instead of the app, so the test can hold one.
    captured = await startApp(platform, 'captured', 'express', { backchannelLogoutUri: receiver.url });
    other = await startApp(platform, 'other', 'koa');
    await platform.server.identity.accounts.create({ username: 'li.wei', password: PASSWORD });
  });

  afterAll(async () => {
    await captured?.stop();
    await other?.stop();
    await platform?.stop();
    await receiver.stop();
  });

  it('ends the session it names once, and is refused when replayed', async () => {
    const browser = new CitizenBrowser();
    await signIn(browser, await browser.visit(captured.url('/me')), 'li.wei');
    await browser.visit(other.url('/me'));
    const confirm = await browser.submit(await browser.visit(other.url('/account')));
    await browser.submit(confirm, { logout: 'yes' });
    expect(receiver.tokens).toHaveLength(1);
    const logoutToken = receiver.tokens[0]!;
    // OneGate's token never reached the app: its session is still there.
    expect((await browser.request(captured.url('/me'))).status).toBe(200);

    const send = () =>
      fetch(captured.url('/auth/backchannel-logout'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: logoutToken }),
      });
    expect((await send()).status).toBe(200);
    expect((await browser.request(captured.url('/me'))).status).toBe(302);
    const replay = await send();
    expect(replay.status).toBe(400);
    expect(await replay.json()).toEqual(REFUSED);
    await expect(captured.login.validateLogoutToken(logoutToken)).rejects.toMatchObject({
      code: 'ERR_LOGOUT_TOKEN_INVALID',
    });
    await expect(captured.login.validateLogoutToken(logoutToken)).rejects.toBeInstanceOf(OneGateError);
  });
});
