import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.ts';
import { startPlatform, type Platform } from '../e2e/support/platform.ts';

/**
 * A citizen in a real Chromium: the sign-in pages as a browser renders and
 * submits them (labels, focus, the language link, CSP, cookies, redirects),
 * which the HTTP-level e2e suites cannot see. Debian's chromium only: this
 * suite never downloads a browser, and fails, not skips, without one
 * (.ci/run installs it).
 */

const PASSWORD = 'a long passphrase 2026';

describe('signing in with a real browser', () => {
  let platform: Platform;
  /** Launched once; a missing browser fails every test of the suite rather than skipping it. */
  let browser: Promise<Browser>;
  let authorizationUrl: string;
  /**
   * The app, listening for real: Playwright's page.route does not see a request reached through
   * redirects (here POST → 303 → /auth → 303 → app), and Chromium refuses port 9 outright.
   */
  let app: Server;
  let REDIRECT_URI: string;

  beforeAll(async () => {
    browser = existsSync(CHROMIUM)
      ? chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS })
      : Promise.reject(new Error(`no browser at ${CHROMIUM}: apt-get install chromium (.ci/run does this)`));
    // Awaited in each test; until then a rejection is not an unhandled one.
    browser.catch(() => undefined);
    app = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('app'));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    REDIRECT_URI = `http://127.0.0.1:${(app.address() as AddressInfo).port}/social-security/callback`;
    platform = await startPlatform('sqlite');
    const { client } = await platform.server.identity.clients.add({
      name: '社会保障',
      redirectUris: [REDIRECT_URI],
      scopes: ['openid', 'profile'],
      firstParty: true,
    });
    await platform.server.identity.accounts.create({ username: 'li.wei', password: PASSWORD });
    authorizationUrl = `${platform.issuer}/auth?${new URLSearchParams({
      client_id: client.clientId,
      response_type: 'code',
      scope: 'openid profile',
      redirect_uri: REDIRECT_URI,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGUSbOVEYc',
      code_challenge_method: 'S256',
      state: 'x',
    }).toString()}`;
  });

  afterAll(async () => {
    await (await browser.catch(() => undefined))?.close();
    await platform?.stop();
    if (app) await new Promise((resolve) => app.close(resolve));
  });

  /** A fresh browser profile in Chinese; console errors and CSP refusals are collected. */
  async function openPage(): Promise<{ page: Page; problems: string[] }> {
    const context = await (
      await browser
    ).newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
    // Well under the test's own time limit, so a stuck step fails with Playwright's message.
    context.setDefaultTimeout(5_000);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      // OneGate serves no /favicon.ico yet; Chromium's 404 for it is not the page's doing.
      if (new URL(message.location().url || 'about:blank').pathname === '/favicon.ico') return;
      const text = message.text();
      if (message.type() === 'error' || /Refused to|Content Security Policy/.test(text)) {
        problems.push(text);
      }
    });
    page.on('pageerror', (error) => problems.push(error.message));
    return { page, problems };
  }

  /** Waits until the browser is back at the app; otherwise says what the citizen sees instead. */
  async function arriveAtApp(page: Page): Promise<URLSearchParams> {
    try {
      await page.waitForURL((url) => url.href.startsWith(REDIRECT_URI), { timeout: 5_000 });
    } catch {
      const shown = (await page.textContent('body', { timeout: 1_000 }).catch(() => ''))
        ?.replace(/\s+/g, ' ')
        .trim();
      throw new Error(`the browser did not get back to the app; it stays on ${page.url()} showing: ${shown}`);
    }
    const url = new URL(page.url());
    expect(`${url.origin}${url.pathname}`).toBe(REDIRECT_URI);
    return url.searchParams;
  }

  /** Whether the field with this label has the keyboard focus. */
  const focused = async (page: Page, label: string) =>
    (await page.getByLabel(label, { exact: true }).and(page.locator(':focus')).count()) === 1;

  it('shows the page in Chinese, switches to English, and signs in with the labelled fields and Enter', async () => {
    const { page, problems } = await openPage();
    await page.goto(authorizationUrl);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('登录');

    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(/lang=en/);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');

    await page.getByLabel('Username, phone number or e-mail').fill('li.wei');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password', { exact: true }).press('Enter');

    const query = await arriveAtApp(page);
    expect(query.get('code')).toBeTruthy();
    expect(query.get('state')).toBe('x');
    expect(query.get('error')).toBeNull();
    expect(await page.textContent('body')).toBe('app');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('after a wrong password shows the error summary, keeps the name and puts the cursor in the password field', async () => {
    const { page, problems } = await openPage();
    await page.goto(authorizationUrl);
    await page.getByLabel('用户名、手机号码或电子邮箱').fill('li.wei');
    await page.getByLabel('密码', { exact: true }).fill('not the password at all');
    await page.getByLabel('密码', { exact: true }).press('Enter');

    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect((await alert.textContent())?.replace(/\s+/g, ' ').trim()).toBe(
      '无法登录 用户名、手机号码、电子邮箱或密码不正确。',
    );
    expect(await page.getByLabel('用户名、手机号码或电子邮箱').inputValue()).toBe('li.wei');
    expect(await page.getByLabel('密码', { exact: true }).inputValue()).toBe('');
    await expect.poll(() => focused(page, '密码')).toBe(true);

    // Typing goes straight into the password field; Enter finishes the sign-in.
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    expect((await arriveAtApp(page)).get('code')).toBeTruthy();

    // Chromium logs the 401 of the page that says the password was wrong; nothing else may appear.
    expect(problems).toEqual([
      'Failed to load resource: the server responded with a status of 401 (Unauthorized)',
    ]);
    await page.context().close();
  });
});
