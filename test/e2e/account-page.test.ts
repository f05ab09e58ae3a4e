import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { totp } from './support/totp.ts';
import { Browser, type Landing } from './support/browser.ts';
import { startPlatform, type Platform } from './support/platform.ts';

const PASSWORD = 'correct horse battery staple 42';

describe('the account page', () => {
  let platform: Platform;
  let config: oidc.Configuration;
  const redirectUri = 'http://127.0.0.1:9/app/callback';

  beforeAll(async () => {
    platform = await startPlatform('sqlite');
    const { client, clientSecret } = await platform.server.identity.clients.add({
      name: 'App',
      redirectUris: [redirectUri],
      firstParty: true,
    });
    config = await oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    await platform.server.identity.accounts.create({
      username: 'li.wei',
      password: PASSWORD,
      phone: '13800138000',
    });
    await platform.server.identity.accounts.create({ username: 'wang.fang', password: PASSWORD });
  });
  afterAll(() => platform?.stop());

  const accountUrl = () => `${platform.issuer}/account`;

  async function signInToAccount(browser: Browser, username = 'li.wei'): Promise<Landing> {
    const login = await browser.visit(accountUrl());
    expect(login.body).toContain('name="password"');
    return browser.submit(login, { username, password: PASSWORD });
  }

  it('sends a stranger to sign in, then shows the profile with the phone number masked', async () => {
    const page = await signInToAccount(new Browser());
    expect(page.url).toBe(accountUrl());
    expect(page.body).toContain('li.wei');
    expect(page.body).toContain('138****8000');
    expect(page.body).not.toContain('13800138000');
    expect(
      page.body.replace(/<script src="\/assets\/(webauthn|passkeys)\.js" defer><\/script>/g, ''),
    ).not.toMatch(/<script/);
  });

  it('turns on an authenticator app with a QR code, after which sign-in at an app asks for its code', async () => {
    const browser = new Browser();
    const page = await signInToAccount(browser);
    const enrolling = await browser.submit(page, {}, undefined, formIndex(page, '/account/totp/begin'));
    expect(enrolling.body).toContain('<svg');
    const secret = /<code>([A-Z2-7]{32})<\/code>/.exec(enrolling.body)![1]!;
    const done = await browser.submit(
      enrolling,
      { code: totp(secret) },
      undefined,
      formIndex(enrolling, '/account/totp/activate'),
    );
    expect(done.url).toBe(`${accountUrl()}?saved=method`);
    expect(done.body).toMatch(/Authenticator app: on|身份验证器应用：已启用/);

    const elsewhere = new Browser();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 's',
    });
    const login = await elsewhere.visit(url.toString(), redirectUri);
    const codePage = await elsewhere.submit(login, { username: 'li.wei', password: PASSWORD });
    expect(codePage.body).toContain('autocomplete="one-time-code"');
    const callback = await elsewhere.submit(
      codePage,
      { code: totp(secret, Date.now() + 30_000) },
      redirectUri,
    );
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback.url), {
      pkceCodeVerifier: verifier,
      expectedState: 's',
    });
    expect(tokens.claims()?.acr).toBe('urn:onegate:acr:substantial');
  });

  it('shows new recovery codes once', async () => {
    const browser = new Browser();
    const page = await signInToAccount(browser, 'wang.fang');
    const shown = await browser.submit(page, {}, undefined, formIndex(page, '/account/recovery-codes'));
    const codes = [...shown.body.matchAll(/<li><code>([0-9A-Z-]+)<\/code><\/li>/g)].map((m) => m[1]);
    expect(codes).toHaveLength(10);
    const again = await browser.visit(accountUrl());
    expect(again.body).not.toContain(codes[0]!);
  });

  it('asks for a fresh sign-in before changing sign-in methods when the last one is over 5 minutes old', async () => {
    const browser = new Browser();
    const page = await signInToAccount(browser, 'wang.fang');
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 6 * 60_000 });
    try {
      const result = await browser.submit(page, {}, undefined, formIndex(page, '/account/recovery-codes'));
      // Sent to sign in again (prompt=login), not shown new codes.
      expect(result.body).toContain('name="password"');
      expect(result.body).not.toMatch(/<li><code>/);
      const back = await browser.submit(result, { username: 'wang.fang', password: PASSWORD });
      expect(back.url).toBe(accountUrl());
      const shown = await browser.submit(back, {}, undefined, formIndex(back, '/account/recovery-codes'));
      expect([...shown.body.matchAll(/<li><code>/g)]).toHaveLength(10);
    } finally {
      vi.useRealTimers();
    }
  });

  it('lists where the account is signed in and the apps it uses, and signs out another device', async () => {
    await platform.server.identity.accounts.create({ username: 'zhao.lei', password: PASSWORD });
    // The phone signs in at the app; the laptop opens the account page.
    const phone = new Browser();
    const authorize = async (extra: Record<string, string> = {}) =>
      oidc
        .buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope: 'openid',
          code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
          state: 's',
          ...extra,
        })
        .toString();
    const login = await phone.visit(await authorize(), redirectUri);
    expect(
      (await phone.submit(login, { username: 'zhao.lei', password: PASSWORD }, redirectUri)).redirected,
    ).toBe(true);

    const laptop = new Browser();
    const page = await signInToAccount(laptop, 'zhao.lei');
    const items = [...page.body.matchAll(/<li>([\s\S]*?)<\/li>/g)]
      .map((m) => m[1]!)
      .filter((li) => li.includes('name="session"'));
    expect(items).toHaveLength(2);
    const phoneItem = items.find((li) => /Signed in to: App|已登录的服务：App/.test(li))!;
    expect(phoneItem).toBeDefined();
    expect(items.find((li) => li !== phoneItem)).toMatch(/\(this device\)|（当前设备）/);
    expect(page.body).toMatch(/<strong>App<\/strong>/);

    const phoneUid = /name="session" value="([^"]+)"/.exec(phoneItem)![1]!;
    const forms = [...page.body.matchAll(/<form[^>]*action="([^"]*)"[\s\S]*?<\/form>/g)];
    const index = forms.findIndex((f) => f[0].includes(`value="${phoneUid}"`));
    const after = await laptop.submit(page, {}, undefined, index);
    expect(after.url).toBe(`${accountUrl()}?saved=1`);

    // The phone is signed out; the laptop is not.
    const phoneAgain = await phone.visit(await authorize({ prompt: 'none' }), redirectUri);
    expect(new URL(phoneAgain.url).searchParams.get('error')).toBe('login_required');
    expect((await laptop.visit(accountUrl())).url).toBe(accountUrl());

    // Removing the app's access withdraws the consent: it disappears from the page.
    const withApp = await laptop.visit(accountUrl());
    const revokeForm = [...withApp.body.matchAll(/<form[^>]*action="([^"]*)"/g)].findIndex(
      (m) => m[1] === '/account/apps/revoke',
    );
    expect(revokeForm).toBeGreaterThanOrEqual(0);
    const revoked = await laptop.submit(withApp, {}, undefined, revokeForm);
    expect(revoked.body).not.toMatch(/<strong>App<\/strong>/);
  });

  it('refuses a change posted without the page token', async () => {
    const browser = new Browser();
    const page = await signInToAccount(browser, 'wang.fang');
    const forged = page.body.replace(/name="csrf" value="[^"]*"/g, 'name="csrf" value="forged"');
    const result = await browser.submit(
      { ...page, body: forged },
      {},
      undefined,
      formIndex(page, '/account/recovery-codes'),
    );
    expect(result.status).toBe(403);
  });
});

function formIndex(page: Landing, action: string): number {
  const actions = [...page.body.matchAll(/<form[^>]*action="([^"]*)"/g)].map((m) => m[1]);
  const index = actions.indexOf(action);
  if (index < 0) throw new Error(`no form for ${action} in ${actions.join(', ')}`);
  return index;
}
