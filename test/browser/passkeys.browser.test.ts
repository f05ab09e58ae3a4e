import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.ts';
import { totp } from '../e2e/support/totp.ts';
import { startPlatform, type Platform } from '../e2e/support/platform.ts';

/**
 * Passkeys in a real Chromium with a CDP virtual authenticator (CTAP2, resident
 * keys, user verification): register on the account page, sign out everywhere,
 * sign in at an app with the passkey alone.
 */
const PASSWORD = 'a long passphrase 2026';
const SHOTS = new URL('../../.test-artifacts/', import.meta.url);

describe('passkeys in a real browser', () => {
  let platform: Platform;
  let browser: Browser;
  let app: Server;
  let redirectUri: string;
  let config: oidc.Configuration;

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
    await platform.server.identity.accounts.create({ username: 'li.wei', password: PASSWORD });
    await platform.server.identity.accounts.create({ username: 'wang.fang', password: PASSWORD });
    mkdirSync(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    if (app) await new Promise((resolve) => app.close(resolve));
  });

  /** Console errors, script errors and CSP refusals seen by any page. */
  const problems: string[] = [];

  async function withAuthenticator(locale = 'en'): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ locale, viewport: { width: 390, height: 844 } });
    context.setDefaultTimeout(8_000);
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy|Refused to/.test(m.text()))
        problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    return { context, page };
  }

  it('registers a passkey on the account page, then signs in at an app with it alone', async () => {
    const { context, page } = await withAuthenticator();
    await page.goto(`${platform.issuer}/account`);
    await page.getByLabel('Username, phone number or e-mail').fill('li.wei');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password', { exact: true }).press('Enter');
    await page.waitForURL(`${platform.issuer}/account`);
    await page.screenshot({ path: new URL('account-en.png', SHOTS).pathname, fullPage: true });

    await page.getByLabel('Passkey name (e.g. "My phone")').first().fill('Test phone');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForURL(`${platform.issuer}/account?saved=1`);
    expect(await page.textContent('body')).toContain('Test phone');

    // Sign out of every service, then come back through an app with nothing but the passkey.
    await page.getByRole('button', { name: 'Sign out of every service' }).click();
    await page.waitForURL(/\/session\/end\/success/);

    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'pk',
    });
    await page.goto(url.toString());
    await page.screenshot({ path: new URL('login-en.png', SHOTS).pathname, fullPage: true });
    // The username field's autofill may already have used the passkey; otherwise the button does.
    if (!page.url().startsWith(redirectUri)) {
      await page
        .getByRole('button', { name: 'Sign in with a passkey' })
        .click()
        .catch(() => undefined);
    }
    await page.waitForURL((current) => current.href.startsWith(redirectUri));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), {
      pkceCodeVerifier: verifier,
      expectedState: 'pk',
    });
    const claims = tokens.claims()!;
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
    await page.getByLabel('验证码或恢复码').fill(totp(secret, Date.now() - 30_000));
    await page.getByRole('button', { name: '确认启用' }).click();
    await page.waitForURL(`${platform.issuer}/account?saved=1`);

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
