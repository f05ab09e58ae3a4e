import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../e2e/support/platform.ts';
import { totp } from '../e2e/support/totp.ts';
import { CitizenBrowser, PASSWORD, signIn, startApp, type TestApp } from './login-harness.ts';

interface SessionView {
  session: {
    sub: string;
    sid?: string;
    acr?: string;
    amr?: string[];
    claims: Record<string, unknown>;
  } | null;
}

describe('signing in with the SDK against a real OneGate', () => {
  let platform: Platform;
  let koaApp: TestApp;
  let expressApp: TestApp;

  beforeAll(async () => {
    platform = await startPlatform('sqlite');
    koaApp = await startApp(platform, 'koa', 'koa');
    expressApp = await startApp(platform, 'express', 'express');
    await platform.server.identity.accounts.create({
      username: 'li.wei',
      password: PASSWORD,
      name: 'Li Wei',
    });
  });

  afterAll(async () => {
    await koaApp?.stop();
    await expressApp?.stop();
    await platform?.stop();
  });

  it('sends a visitor of a protected page to OneGate with PKCE, state and nonce, and back to that page signed in (Koa)', async () => {
    const browser = new CitizenBrowser();
    const loginPage = await browser.visit(koaApp.url('/me?tab=2'));
    expect(loginPage.hops[1]).toBe(koaApp.url('/auth/login?returnTo=%2Fme%3Ftab%3D2'));
    const authorize = new URL(loginPage.hops[2]!);
    expect(authorize.origin).toBe(platform.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('nonce')).toBeTruthy();

    const back = await signIn(browser, loginPage, 'li.wei');
    expect(back.url).toBe(koaApp.url('/me?tab=2'));
    const { session } = JSON.parse(back.body) as SessionView;
    expect(session).toMatchObject({
      acr: 'urn:onegate:acr:low',
      amr: ['pwd'],
      claims: { name: 'Li Wei' },
    });
    expect(session!.sub).toBeTruthy();
    expect(session!.sid).toBeTruthy();
    // The session cookie is encrypted: no claim can be read from it.
    const cookie = browser.cookies.get('koa_session')!;
    expect(cookie.startsWith('v1.')).toBe(true);
    expect(Buffer.from(cookie.split('.')[3]!, 'base64url').toString('latin1')).not.toContain('Li Wei');
  });

  it('signs the same browser in at a second app (Express) without a form: single sign-on', async () => {
    const browser = new CitizenBrowser();
    await signIn(browser, await browser.visit(koaApp.url('/me')), 'li.wei');
    const page = await browser.visit(expressApp.url('/me'));
    expect(page.url).toBe(expressApp.url('/me'));
    // Through OneGate and straight back: no page stopped the browser for a form.
    expect(page.hops.some((hop) => hop.startsWith(`${platform.issuer}/auth`))).toBe(true);
    const { session } = JSON.parse(page.body) as SessionView;
    expect(session).toMatchObject({ acr: 'urn:onegate:acr:low', claims: { name: 'Li Wei' } });
    // Pairwise subjects: the two apps cannot link the citizen by sub.
    const koaView = JSON.parse((await browser.visit(koaApp.url('/me'))).body) as SessionView;
    expect(session!.sub).not.toBe(koaView.session!.sub);
  });

  it.each(['koa', 'express'] as const)(
    'requireLogin (%s): redirects a page visit to sign-in, answers an API call 401',
    async (kind) => {
      const app = kind === 'koa' ? koaApp : expressApp;
      const browser = new CitizenBrowser();
      const page = await browser.request(app.url('/me'));
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe('/auth/login?returnTo=%2Fme');
      const api = await browser.request(app.url('/api/note'), {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: '{}',
      });
      expect(api.status).toBe(401);
      expect(JSON.parse(api.body)).toMatchObject({ error: 'login_required' });
    },
  );

  it('keeps the sign-in attempt in an encrypted, httpOnly, SameSite=Lax cookie for ten minutes', async () => {
    const res = await fetch(koaApp.url('/auth/login'), { redirect: 'manual' });
    expect(res.status).toBe(302);
    const [cookie] = res.headers.getSetCookie();
    expect(cookie).toMatch(/^koa_session_login=v1\.[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it.each([
    ['//evil.example/steal', '/'],
    ['https://evil.example/steal', '/'],
    ['/\\evil.example', '/'],
    ['/orders?id=7', '/orders?id=7'],
  ])('goes back only to a path of the app: returnTo %s → %s', async (returnTo, expected) => {
    const browser = new CitizenBrowser();
    await signIn(browser, await browser.visit(koaApp.url('/me')), 'li.wei');
    const page = await browser.visit(koaApp.url(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`));
    expect(page.url).toBe(koaApp.url(expected));
  });

  describe('a callback that does not complete a sign-in gets 400 and no session', () => {
    async function startAttempt(browser: CitizenBrowser): Promise<URL> {
      const res = await browser.request(expressApp.url('/auth/login'));
      return new URL(res.headers.get('location')!);
    }

    it('when the citizen cancelled (error=access_denied)', async () => {
      const browser = new CitizenBrowser();
      const authorize = await startAttempt(browser);
      const state = authorize.searchParams.get('state')!;
      const res = await browser.request(
        expressApp.url(
          `/auth/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(platform.issuer)}`,
        ),
        { headers: { accept: 'application/json' } },
      );
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'access_denied' });
      expect(browser.cookies.has('express_session')).toBe(false);
      expect(browser.cookies.has('express_session_login')).toBe(false);
    });

    it('when the state is not this attempt’s', async () => {
      const browser = new CitizenBrowser();
      await startAttempt(browser);
      const res = await browser.request(
        expressApp.url(`/auth/callback?code=abc&state=forged&iss=${encodeURIComponent(platform.issuer)}`),
      );
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.body).toContain('Sign-in could not be completed');
      expect(browser.cookies.has('express_session')).toBe(false);
    });

    it('when a callback is replayed, in the same browser or another', async () => {
      const browser = new CitizenBrowser();
      const loginPage = await browser.visit(expressApp.url('/me'));
      const callback = await browser.submit(
        loginPage,
        { username: 'li.wei', password: PASSWORD },
        expressApp.url('/auth/callback'),
      );
      const first = await browser.visit(callback.url);
      expect(first.url).toBe(expressApp.url('/me'));
      const session = browser.cookies.get('express_session');
      expect(session).toBeTruthy();

      const again = await browser.request(callback.url);
      expect(again.status).toBe(400);
      const attacker = new CitizenBrowser();
      const stolen = await attacker.request(callback.url);
      expect(stolen.status).toBe(400);
      expect(attacker.cookies.has('express_session')).toBe(false);
      // The first sign-in stands.
      expect(browser.cookies.get('express_session')).toBe(session);
    });
  });

  it('refuses an ID token whose signature does not verify against OneGate’s keys, even from the token endpoint (ASVS 6.8.2)', async () => {
    // A token endpoint answer altered on the way: one byte of the ID token's signature changed.
    const tampering: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!url.endsWith('/token')) return res;
      const body = (await res.json()) as { id_token: string };
      const [header, payload, signature] = body.id_token.split('.');
      const bytes = Buffer.from(signature!, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      body.id_token = `${header}.${payload}.${bytes.toString('base64url')}`;
      return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
    };
    const app = await startApp(platform, 'tampered', 'express', { login: { fetch: tampering } });
    try {
      const browser = new CitizenBrowser();
      const loginPage = await browser.visit(app.url('/me'));
      const callback = await browser.submit(
        loginPage,
        { username: 'li.wei', password: PASSWORD },
        app.url('/auth/callback'),
      );
      const res = await browser.request(callback.url);
      expect(res.status).toBe(400);
      expect(browser.cookies.has('tampered_session')).toBe(false);
    } finally {
      await app.stop();
    }
  });

  it.each(['koa', 'express'] as const)(
    'requireAcr (%s): steps a password session up to substantial with the authenticator app',
    async (kind) => {
      const app = kind === 'koa' ? koaApp : expressApp;
      const username = `zhang.${kind}`;
      const account = await platform.server.identity.accounts.create({ username, password: PASSWORD });
      const browser = new CitizenBrowser();
      const first = await signIn(browser, await browser.visit(app.url('/me')), username);
      expect((JSON.parse(first.body) as SessionView).session!.acr).toBe('urn:onegate:acr:low');

      const { totp: factors } = platform.server.identity;
      const secret = (await factors.begin(account.id, { account: username, issuer: 'OneGate' })).secretBase32;
      expect((await factors.activate(account.id, totp(secret, Date.now() - 30_000))).ok).toBe(true);

      const stepUp = await browser.visit(app.url('/secure'));
      expect(stepUp.hops[1]).toBe(app.url('/auth/login?returnTo=%2Fsecure&acr=substantial'));
      expect(new URL(stepUp.hops[2]!).searchParams.get('acr_values')).toBe('urn:onegate:acr:substantial');
      const codePage = await signIn(browser, stepUp, username);
      expect(codePage.body).toContain('autocomplete="one-time-code"');
      const back = await browser.submit(codePage, { code: totp(secret) });
      expect(back.url).toBe(app.url('/secure'));
      const { session } = JSON.parse(back.body) as SessionView;
      expect(session).toMatchObject({ acr: 'urn:onegate:acr:substantial', amr: ['pwd', 'otp', 'mfa'] });
      // The stepped-up session serves the other pages too.
      const me = JSON.parse((await browser.visit(app.url('/me'))).body) as SessionView;
      expect(me.session!.acr).toBe('urn:onegate:acr:substantial');
    },
  );

  it('requireAcr answers an API call below the level 401 insufficient_user_authentication', async () => {
    const browser = new CitizenBrowser();
    await signIn(browser, await browser.visit(koaApp.url('/me')), 'li.wei');
    const res = await browser.request(koaApp.url('/secure'), {
      method: 'POST',
      headers: { accept: 'application/json' },
    });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({
      error: 'insufficient_user_authentication',
      error_description: 'a stronger sign-in is required',
      acr_values: 'urn:onegate:acr:substantial',
    });
  });
});
