import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.ts';
import { totp } from '../e2e/support/totp.ts';
import { startPlatform, type Platform } from '../e2e/support/platform.ts';

/**
 * Passkeys in a real Chromium with a CDP virtual authenticator (CTAP2, resident
 * keys, user verification): register on the account page, sign out everywhere,
 * sign in at an app with the passkey alone, through the username field's
 * autofill (conditional mediation) and through the button; a passkey-only
 * account keeps its last passkey.
 */
const PASSWORD = 'a long passphrase 2026';
const SHOTS = new URL('../../.test-artifacts/', import.meta.url);

/**
 * Runs in each page before its scripts: reports every `navigator.credentials.get()`
 * to the test, as `conditional` (the username field's autofill) or `modal` (the
 * button), then how it ended. A modal request first waits for
 * `onegateBeforeModal`, which the test uses to turn the authenticator's
 * presence on at that moment.
 */
const CEREMONY_PROBE = `(() => {
  const get = navigator.credentials.get.bind(navigator.credentials);
  navigator.credentials.get = async (options) => {
    const kind = options && options.mediation === 'conditional' ? 'conditional' : 'modal';
    if (kind === 'modal') await window.onegateBeforeModal();
    window.onegateCeremony(kind);
    try {
      const credential = await get(options);
      window.onegateCeremony(kind + ' resolved');
      return credential;
    } catch (err) {
      window.onegateCeremony(kind + ' ' + err.name);
      throw err;
    }
  };
})();`;

describe('passkeys in a real browser', () => {
  let platform: Platform;
  let browser: Browser;
  let app: Server;
  let redirectUri: string;
  let config: oidc.Configuration;
  let socialSecurity: oidc.Configuration;
  let socialSecurityRedirect: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no browser at ${CHROMIUM}: apt-get install chromium (.ci/run does this)`);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    app = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('app'));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/tax/callback`;
    // WebAuthn needs a domain as relying party, not an IP address: the issuer is localhost.
    platform = await startPlatform('sqlite', {}, 'localhost');
    const { client, clientSecret } = await platform.server.identity.clients.add({
      name: 'Tax',
      redirectUris: [redirectUri],
      firstParty: true,
    });
    config = await oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    socialSecurityRedirect = `http://127.0.0.1:${(app.address() as AddressInfo).port}/social-security/callback`;
    const second = await platform.server.identity.clients.add({
      name: 'Social Security',
      redirectUris: [socialSecurityRedirect],
      firstParty: true,
    });
    socialSecurity = await oidc.discovery(
      new URL(platform.issuer),
      second.client.clientId,
      second.clientSecret,
      undefined,
      { execute: [oidc.allowInsecureRequests] },
    );
    await platform.server.identity.accounts.create({ username: 'li.wei', password: PASSWORD });
    await platform.server.identity.accounts.create({ username: 'sun.mei', password: PASSWORD });
    await platform.server.identity.accounts.create({ username: 'wang.fang', password: PASSWORD });
    await platform.server.identity.accounts.create({ username: 'chen.jing', password: PASSWORD });
    await platform.server.identity.accounts.create({ username: 'zhao.lei', password: PASSWORD });
    mkdirSync(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    if (app) await new Promise((resolve) => app.close(resolve));
  });

  /** Console errors, script errors and CSP refusals seen by any page. */
  const problems: string[] = [];

  interface Authenticated {
    context: BrowserContext;
    page: Page;
    cdp: CDPSession;
    authenticatorId: string;
    /** What the ceremony probe reported, in order. */
    ceremonies: string[];
    /** Called before each modal request goes to the authenticator. */
    beforeModal: { run: () => Promise<unknown> };
  }

  async function withAuthenticator(locale = 'en'): Promise<Authenticated> {
    const context = await browser.newContext({ locale, viewport: { width: 390, height: 844 } });
    context.setDefaultTimeout(8_000);
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy|Refused to/.test(m.text()))
        problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const ceremonies: string[] = [];
    const beforeModal: Authenticated['beforeModal'] = { run: async () => undefined };
    await page.exposeFunction('onegateCeremony', (event: string) => ceremonies.push(event));
    await page.exposeFunction('onegateBeforeModal', () => beforeModal.run());
    await page.addInitScript({ content: CEREMONY_PROBE });
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return { context, page, cdp, authenticatorId, ceremonies, beforeModal };
  }

  async function signInWithPassword(page: Page, username: string): Promise<void> {
    await page.goto(`${platform.issuer}/account`);
    await page.getByLabel('Username, phone number or e-mail').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password', { exact: true }).press('Enter');
    await page.waitForURL(`${platform.issuer}/account`);
  }

  async function addPasskey(page: Page, name: string): Promise<void> {
    await page.getByLabel('Passkey name (e.g. "My phone")').first().fill(name);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForURL(`${platform.issuer}/account?saved=method`);
    expect(await page.locator('.passkeys strong').allTextContents()).toContain(name);
  }

  /** An authorization request of the Tax app; `exchange` redeems the callback's code for the ID token claims. */
  async function authorize(extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'pk',
      ...extra,
    });
    const exchange = async (callback: string) =>
      (
        await oidc.authorizationCodeGrant(config, new URL(callback), {
          pkceCodeVerifier: verifier,
          expectedState: 'pk',
        })
      ).claims()!;
    return { url: url.toString(), exchange };
  }

  const atApp = (current: URL) => current.href.startsWith(redirectUri);

  it('registers a passkey on the account page, then the username field’s autofill signs in with it, no click', async () => {
    const { context, page, ceremonies } = await withAuthenticator();
    await page.goto(`${platform.issuer}/account`);
    // No passkey yet: the autofill request ends at once and the page waits for a password.
    await page.screenshot({ path: new URL('login-en.png', SHOTS).pathname, fullPage: true });
    await signInWithPassword(page, 'li.wei');
    await page.screenshot({ path: new URL('account-en.png', SHOTS).pathname, fullPage: true });
    await addPasskey(page, 'Test phone');

    // Sign out of every service, then come back through an app with nothing but the passkey.
    await page.getByRole('button', { name: 'Sign out of every service' }).click();
    await page.waitForURL(/\/session\/end\/success/);

    // The login page asks with mediation "conditional" as it loads; the authenticator (presence
    // simulated) answers that request by itself, so the citizen is signed in without a click.
    ceremonies.length = 0;
    const request = await authorize();
    await page.goto(request.url);
    await page.waitForURL(atApp);
    await vi.waitFor(() => expect(ceremonies).toEqual(['conditional', 'conditional resolved']));
    const claims = await request.exchange(page.url());
    expect(claims.acr).toBe('urn:onegate:acr:substantial');
    expect(claims['amr']).toEqual(['hwk', 'user']);

    // Back on the account page (signed in by the same session): the app is listed, with this device.
    await page.goto(`${platform.issuer}/account`);
    const body = (await page.textContent('body')) ?? '';
    expect(body).toContain('Signed in to: Tax');
    expect(body).toContain('(this device)');
    expect(await page.locator('.apps strong').allTextContents()).toEqual(['Tax']);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('takes a new user from a password at one app to a passkey alone at another, both devices and apps on the account page', async () => {
    // Device 1 signs in with a password at Social Security, then adds a passkey on the account page (single sign-on).
    const phone = await withAuthenticator();
    const atSocialSecurity = (current: URL) => current.href.startsWith(socialSecurityRedirect);
    const socialSecurityUrl = async () =>
      oidc
        .buildAuthorizationUrl(socialSecurity, {
          redirect_uri: socialSecurityRedirect,
          scope: 'openid',
          code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
        })
        .toString();
    await phone.page.goto(await socialSecurityUrl());
    await phone.page.getByLabel('Username, phone number or e-mail').fill('sun.mei');
    await phone.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await phone.page.getByLabel('Password', { exact: true }).press('Enter');
    await phone.page.waitForURL(atSocialSecurity);
    await phone.page.goto(`${platform.issuer}/account`);
    await addPasskey(phone.page, 'My phone');
    await phone.page.getByRole('button', { name: 'Sign out of every service' }).click();
    await phone.page.waitForURL(/\/session\/end\/success/);

    // Back in at Tax with the passkey alone.
    const request = await authorize();
    await phone.page.goto(request.url);
    await phone.page.waitForURL(atApp);
    expect((await request.exchange(phone.page.url()))['amr']).toEqual(['hwk', 'user']);

    // Device 2 (no passkey) signs in with the password at Social Security.
    const laptop = await withAuthenticator();
    await laptop.page.goto(await socialSecurityUrl());
    await laptop.page.getByLabel('Username, phone number or e-mail').fill('sun.mei');
    await laptop.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await laptop.page.getByLabel('Password', { exact: true }).press('Enter');
    await laptop.page.waitForURL(atSocialSecurity);

    // The phone's account page: both sessions, and both apps.
    await phone.page.goto(`${platform.issuer}/account`);
    const sessions = await phone.page.locator('.sessions > li').allTextContents();
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.includes('(this device)'))).toHaveLength(1);
    expect(sessions.find((s) => s.includes('(this device)'))).toContain('Signed in to: Tax');
    expect(sessions.find((s) => !s.includes('(this device)'))).toContain('Signed in to: Social Security');
    expect((await phone.page.locator('.apps strong').allTextContents()).sort()).toEqual([
      'Social Security',
      'Tax',
    ]);
    expect(problems).toEqual([]);
    await phone.context.close();
    await laptop.context.close();
  });

  it('signs in with the passkey button while the autofill request is still waiting, which it cancels', async () => {
    const { context, page, cdp, authenticatorId, ceremonies, beforeModal } = await withAuthenticator();
    await signInWithPassword(page, 'chen.jing');
    await addPasskey(page, 'Work laptop');
    await page.getByRole('button', { name: 'Sign out of every service' }).click();
    await page.waitForURL(/\/session\/end\/success/);

    // Without presence the authenticator never answers, so the autofill request stays pending, as
    // for a citizen who has not picked a passkey yet. It does not answer a request sent while presence
    // was off even after presence is back on (CDP: such requests "fail to resolve"), so presence comes
    // back on just before the button's own request is sent, after the autofill request was cancelled.
    const presence = (enabled: boolean) =>
      cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
    await presence(false);
    beforeModal.run = () => presence(true);
    ceremonies.length = 0;
    const request = await authorize();
    await page.goto(request.url);
    await vi.waitFor(() => expect(ceremonies).toEqual(['conditional']));
    expect(atApp(new URL(page.url()))).toBe(false);

    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(atApp);
    await vi.waitFor(() =>
      expect(ceremonies).toEqual(['conditional', 'conditional AbortError', 'modal', 'modal resolved']),
    );
    const claims = await request.exchange(page.url());
    expect(claims.acr).toBe('urn:onegate:acr:substantial');
    expect(claims['amr']).toEqual(['hwk', 'user']);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('keeps the last passkey of an account whose password was removed, which then signs in with it only', async () => {
    const { context, page } = await withAuthenticator();
    await signInWithPassword(page, 'zhao.lei');
    await addPasskey(page, 'Only key');

    // With a passkey on the account, changing how it signs in takes the passkey, not the password alone
    // (ASVS 7.5.1): the page sends the browser to sign in again, and the passkey does it.
    await page.getByRole('button', { name: 'Remove password' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/interaction/'));
    await page.waitForURL(`${platform.issuer}/account`);
    await page.getByRole('button', { name: 'Remove password' }).click();
    await page.waitForURL(`${platform.issuer}/account?saved=method`);
    expect(await page.textContent('body')).toContain(
      'Your account has no password: you sign in with a passkey.',
    );

    const [refused] = await Promise.all([
      page.waitForResponse((response) => response.url().endsWith('/account/passkeys/remove')),
      page.locator('.passkeys').getByRole('button', { name: 'Remove' }).click(),
    ]);
    expect(refused.status()).toBe(409);
    const alert = page.getByRole('alert');
    expect(await alert.isVisible()).toBe(true);
    expect(await alert.textContent()).toContain(
      'This passkey is the only way left to sign in to your account',
    );
    expect(await page.locator('.passkeys strong').allTextContents()).toEqual(['Only key']);
    await page.screenshot({ path: new URL('account-last-method-en.png', SHOTS).pathname, fullPage: true });

    // The password no longer signs in (in a browser without the passkey, so autofill cannot step in)…
    const elsewhere = await browser.newContext({ locale: 'en' });
    const other = await elsewhere.newPage();
    await other.goto(`${platform.issuer}/account`);
    await other.getByLabel('Username, phone number or e-mail').fill('zhao.lei');
    await other.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await other.getByLabel('Password', { exact: true }).press('Enter');
    await other.waitForLoadState();
    expect(await other.getByRole('alert').textContent()).toContain(
      'The username, phone number, e-mail or password is incorrect.',
    );
    expect(other.url()).not.toBe(`${platform.issuer}/account`);
    await elsewhere.close();

    // … while the passkey does.
    const request = await authorize({ prompt: 'login' });
    await page.goto(request.url);
    await page.waitForURL(atApp);
    expect((await request.exchange(page.url()))['amr']).toEqual(['hwk', 'user']);
    // The refused removal's answer (409) is the only thing the console reports.
    expect(problems).toEqual([
      'Failed to load resource: the server responded with a status of 409 (Conflict)',
    ]);
    problems.length = 0;
    await context.close();
  });

  it('turns on an authenticator app on the account page, then signs in at an app with password and code', async () => {
    const { context, page } = await withAuthenticator('zh-CN');
    await page.goto(`${platform.issuer}/account`);
    await page.screenshot({ path: new URL('login-zh-CN.png', SHOTS).pathname, fullPage: true });
    await page.getByLabel('用户名、手机号码或电子邮箱').fill('wang.fang');
    await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
    await page.getByLabel('密码', { exact: true }).press('Enter');
    await page.waitForURL(`${platform.issuer}/account`);
    await page.screenshot({ path: new URL('account-zh-CN.png', SHOTS).pathname, fullPage: true });

    await page.getByRole('button', { name: '启用身份验证器' }).click();
    const secret = (await page.locator('code').first().textContent())!.trim();
    // The previous step's code is one step (30 s) late, the most accepted: not sent across a step change.
    const intoStep = Date.now() % 30_000;
    if (intoStep > 27_000) await page.waitForTimeout(30_100 - intoStep);
    await page.getByLabel('验证码或恢复码').fill(totp(secret, Date.now() - 30_000));
    await page.getByRole('button', { name: '确认启用' }).click();
    await page.waitForURL(`${platform.issuer}/account?saved=method`);

    const verifier = oidc.randomPKCECodeVerifier();
    await page.goto(
      oidc
        .buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope: 'openid',
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state: 'otp',
          prompt: 'login',
        })
        .toString(),
    );
    await page.getByLabel('用户名、手机号码或电子邮箱').fill('wang.fang');
    await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
    await page.getByLabel('密码', { exact: true }).press('Enter');
    await page.getByLabel('验证码或恢复码').fill(totp(secret));
    await page.getByLabel('验证码或恢复码').press('Enter');
    await page.waitForURL((current) => current.href.startsWith(redirectUri));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), {
      pkceCodeVerifier: verifier,
      expectedState: 'otp',
    });
    expect(tokens.claims()?.['amr']).toEqual(['pwd', 'otp', 'mfa']);

    // Recovery codes from the account page work once each, in place of the authenticator code.
    await page.goto(`${platform.issuer}/account`);
    await page.getByRole('button', { name: '生成新的恢复码' }).click();
    const code = (await page.locator('.recovery-codes code').first().textContent())!.trim();
    const signInWithRecoveryCode = async () => {
      await page.goto(
        oidc
          .buildAuthorizationUrl(config, {
            redirect_uri: redirectUri,
            scope: 'openid',
            code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
            code_challenge_method: 'S256',
            state: 'rc',
            prompt: 'login',
          })
          .toString(),
      );
      await page.getByLabel('用户名、手机号码或电子邮箱').fill('wang.fang');
      await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
      await page.getByLabel('密码', { exact: true }).press('Enter');
      await page.getByLabel('验证码或恢复码').fill(code);
      await page.getByLabel('验证码或恢复码').press('Enter');
      await page.waitForLoadState();
      return page.url().startsWith(redirectUri);
    };
    expect(await signInWithRecoveryCode()).toBe(true);
    expect(await signInWithRecoveryCode()).toBe(false);
    expect(await page.getByRole('alert').textContent()).toContain('验证码不正确或已使用过');
    expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
    await context.close();
  });
});
