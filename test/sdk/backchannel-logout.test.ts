import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '@onegate/sdk';
import { startPlatform, type Platform } from '../e2e/support/platform.ts';
import { CitizenBrowser, PASSWORD, signIn, startApp, type TestApp } from './login-harness.ts';

describe('signing out with the SDK: RP-initiated logout, back-channel logout to the other apps', () => {
  let platform: Platform;
  let koaApp: TestApp;
  let expressApp: TestApp;
  let storedApp: TestApp;

  beforeAll(async () => {
    platform = await startPlatform('sqlite');
    koaApp = await startApp(platform, 'koa', 'koa');
    expressApp = await startApp(platform, 'express', 'express');
    storedApp = await startApp(platform, 'stored', 'express', {
      login: { sessionStore: new MemorySessionStore() },
    });
    await platform.server.identity.accounts.create({ username: 'li.wei', password: PASSWORD });
  });

  afterAll(async () => {
    await koaApp?.stop();
    await expressApp?.stop();
    await storedApp?.stop();
    await platform?.stop();
  });

  async function signedInAtBoth(): Promise<CitizenBrowser> {
    const browser = new CitizenBrowser();
    await signIn(browser, await browser.visit(koaApp.url('/me')), 'li.wei');
    expect((await browser.visit(expressApp.url('/me'))).url).toBe(expressApp.url('/me'));
    return browser;
  }

  it.each([
    ['koa', 'express'],
    ['express', 'koa'],
  ] as const)('sign-out at the %s app ends the session at the %s app too', async (from, other) => {
    const [app, otherApp] = from === 'koa' ? [koaApp, expressApp] : [expressApp, koaApp];
    const browser = await signedInAtBoth();
    // The other app's cookie stays in the browser: only the back-channel logout can end that session.
    const otherCookie = browser.cookies.get(`${other}_session`);
    expect(otherCookie).toBeTruthy();

    const account = await browser.visit(app.url('/account'));
    const confirm = await browser.submit(account);
    expect(confirm.hops[1]).toMatch(new RegExp(`^${platform.issuer}/session/end\\?`));
    const endSession = new URL(confirm.hops[1]!);
    expect(endSession.searchParams.get('id_token_hint')).toBeTruthy();
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(app.url('/signed-out'));
    expect(browser.cookies.has(`${from}_session`)).toBe(false);

    expect(confirm.body).toContain('name="logout"');
    const done = await browser.submit(confirm, { logout: 'yes' });
    expect(done.url).toBe(app.url('/signed-out'));

    expect(browser.cookies.get(`${other}_session`)).toBe(otherCookie);
    const page = await browser.request(otherApp.url('/me'));
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/auth/login?returnTo=%2Fme');
    // And OneGate's own session is over: signing in again needs the password.
    expect((await browser.visit(otherApp.url('/me'))).body).toContain('name="password"');
  });

  it('refuses a cross-site sign-out post (CSRF) and keeps the session', async () => {
    const browser = await signedInAtBoth();
    const attempts: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
      {},
    ];
    for (const headers of attempts) {
      const res = await browser.request(koaApp.url('/auth/logout'), { method: 'POST', headers });
      expect(res.status).toBe(403);
    }
    expect((await browser.request(koaApp.url('/me'))).status).toBe(200);
    // A post that names the app's own origin is a sign-out.
    const ok = await browser.request(koaApp.url('/auth/logout'), {
      method: 'POST',
      headers: { origin: koaApp.origin },
    });
    expect(ok.status).toBe(303);
    expect((await browser.request(koaApp.url('/me'))).status).toBe(302);
  });

  it('ends a session kept in a SessionStore: the cookie holds only its id', async () => {
    const browser = await signedInAtBoth();
    const page = await browser.visit(storedApp.url('/me'));
    expect(JSON.parse(page.body)).toMatchObject({ session: { acr: 'urn:onegate:acr:low' } });
    expect(browser.cookies.get('stored_session')!.length).toBeLessThan(200);

    const confirm = await browser.submit(await browser.visit(koaApp.url('/account')));
    await browser.submit(confirm, { logout: 'yes' });
    const after = await browser.request(storedApp.url('/me'));
    expect(after.status).toBe(302);
  });
});
