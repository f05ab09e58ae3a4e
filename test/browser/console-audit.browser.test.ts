import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.ts';
import { pageQualityProblems, PHONE } from './support/page-quality.ts';
import { startPlatform, type Platform } from '../e2e/support/platform.ts';
import { totp } from '../e2e/support/totp.ts';

/**
 * A security officer in a real Chromium: signs in with password and
 * authenticator code, searches the audit log, opens an event, and the page's
 * own script recomputes the Merkle root with Web Crypto and says verified; a
 * proof altered on its way to the browser says FAILED. Screenshots of each
 * page in both languages go to .test-artifacts/console/.
 */

const SHOTS = new URL('../../.test-artifacts/console/', import.meta.url);
const PASSWORD = 'a long passphrase 2026';
const XSS = '"><img src=x onerror=alert(1)>';

describe('the officer console in a real browser', () => {
  let platform: Platform;
  let browser: Promise<Browser>;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = existsSync(CHROMIUM)
      ? chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS })
      : Promise.reject(new Error(`no browser at ${CHROMIUM}: apt-get install chromium (.ci/run does this)`));
    browser.catch(() => undefined);
    platform = await startPlatform('sqlite');
    const { identity, authz, audit } = platform.server;
    const officer = await identity.accounts.create({ username: 'zhao.min', password: PASSWORD });
    const secret = (await identity.totp.begin(officer.id, { account: 'zhao.min', issuer: 'OneGate' }))
      .secretBase32;
    await identity.totp.activate(officer.id, totp(secret, Date.now() - 30_000));
    await authz.putDepartment({ id: 'onegate', name: 'OneGate' }, 'test');
    await authz.putRole({ department: 'onegate', name: 'security-officer' }, 'test');
    await authz.assign({ subject: officer.id, department: 'onegate', role: 'security-officer' }, 'test');
    for (let i = 0; i < 5; i++) {
      await audit.write({
        action: 'privacy.decrypt',
        outcome: 'success',
        actor: 'clerk.wu',
        subject: `citizen-${i}`,
        details: { purpose: 'benefit-review', field: 'phone' },
      });
    }
    await audit.write({ action: 'test.xss', outcome: 'failure', actor: 'mallory', reason: XSS });

    context = await (await browser).newContext({ locale: 'en', viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(5_000);
    page = await context.newPage();
    page.on('console', (message) => {
      if (new URL(message.location().url || 'about:blank').pathname === '/favicon.ico') return;
      if (message.type() === 'error' || /Refused to|Content Security Policy/.test(message.text())) {
        problems.push(message.text());
      }
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });

    await page.goto(`${platform.issuer}/console/audit`);
    await page.getByLabel('Password', { exact: true }).waitFor();
    await page.locator('input[name="username"]').fill('zhao.min');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password', { exact: true }).press('Enter');
    await page.locator('input[name="code"]').fill(totp(secret));
    await page.locator('input[name="code"]').press('Enter');
    await page.waitForURL(/\/console\/audit$/);
  });

  afterAll(async () => {
    await (await browser.catch(() => undefined))?.close();
    await platform?.stop();
  });

  /** Screenshots the page (wide and phone) after checking it is accessible and fits a phone. */
  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });
    const lang = name.endsWith('-zh-CN') ? 'zh-CN' : 'en';
    const phone = new URL(`${name}-phone.png`, SHOTS).pathname;
    expect.soft(await pageQualityProblems(page, lang, phone), name).toEqual([]);
  }
  const proofResult = async () => {
    await page.locator('#proof[data-result]').waitFor({ state: 'attached' });
    return page.locator('#proof').getAttribute('data-result');
  };

  it('lands an officer on audit search after password and authenticator code, in both languages', async () => {
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Audit search');
    expect(await page.getByRole('link', { name: 'Sign out' }).count()).toBe(1);
    expect(await page.locator('.console-officer').textContent()).toContain('Signed in as zhao.min');
    await shot('audit-search-en');
    await page.getByRole('link', { name: '简体中文' }).click();
    await page.waitForURL(/lang=zh-CN/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('审计查询');
    await shot('audit-search-zh-CN');
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(/lang=en/);
  });

  it('searches by action and opens an event whose proof the browser verifies', async () => {
    await page.getByLabel('Action').fill('privacy.decrypt');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/console\/audit\/search$/);
    expect(await page.locator('tbody tr').count()).toBe(5);
    expect(await page.locator('tbody').textContent()).not.toContain('test.xss');
    await shot('audit-results-en');
    // On a phone the table scrolls inside its own box, the page itself does not.
    await page.setViewportSize(PHONE);
    const tableScrolls = `(() => {
      const wrap = document.querySelector('.console-table-wrap');
      return wrap.scrollWidth > wrap.clientWidth;
    })()`;
    expect(await page.evaluate<boolean>(tableScrolls)).toBe(true);
    await page.setViewportSize({ width: 1280, height: 900 });
    // The filters were posted, never in the URL: switching language starts a new search.
    await page.getByRole('link', { name: '简体中文' }).click();
    await page.waitForURL(/\/console\/audit\?lang=zh-CN$/);
    await page.getByLabel('操作', { exact: true }).fill('privacy.decrypt');
    await page.getByRole('button', { name: '查询' }).click();
    await page.waitForURL(/\/console\/audit\/search$/);
    expect(await page.locator('tbody tr').count()).toBe(5);
    await shot('audit-results-zh-CN');
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(/lang=en/);

    await page.locator('tbody tr').nth(2).getByRole('link').click();
    await page.waitForURL(/\/console\/audit\/events\/\d+$/);
    expect(await proofResult()).toBe('verified');
    expect(await page.locator('#proof-state').textContent()).toContain('Verified');
    expect(await page.locator('#recomputed-root').textContent()).toBe(
      await page.locator('#signed-root').textContent(),
    );
    expect(await page.locator('#proof-hashes li').count()).toBeGreaterThan(0);
    await shot('audit-event-verified-en');
    await page.goto(`${page.url()}?lang=zh-CN`);
    expect(await proofResult()).toBe('verified');
    expect(await page.locator('#proof-state').textContent()).toContain('已验证');
    await shot('audit-event-verified-zh-CN');
    await page.goto(page.url().replace('lang=zh-CN', 'lang=en'));
    expect(problems).toEqual([]);
  });

  it('says FAILED when one hash of the proof is altered on its way to the browser', async () => {
    const index = (await platform.server.audit.query({ action: 'privacy.decrypt' }, { limit: 1 })).events[0]!
      .index;
    const url = `${platform.issuer}/console/audit/events/${index}`;
    const route = new RegExp(`/console/audit/events/${index}(\\?lang=[\\w-]+)?$`);
    await page.route(route, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(
        /(<ol class="console-hashes" id="proof-hashes">\s*<li><code>)([0-9a-f])/,
        (_m, before: string, first: string) => `${before}${first === '0' ? '1' : '0'}`,
      );
      await route.fulfill({ response, body });
    });
    await page.goto(url);
    expect(await proofResult()).toBe('failed');
    expect(await page.locator('#proof-state').textContent()).toContain('FAILED');
    expect(await page.locator('#recomputed-root').textContent()).not.toBe(
      await page.locator('#signed-root').textContent(),
    );
    await shot('audit-event-failed-en');
    await page.goto(`${url}?lang=zh-CN`);
    expect(await proofResult()).toBe('failed');
    expect(await page.locator('#proof-state').textContent()).toContain('失败');
    await shot('audit-event-failed-zh-CN');
    await page.unroute(route);
    await page.goto(`${url}?lang=en`);
  });

  it('shows a stored "><img onerror> as text, with nothing run', async () => {
    const index = (await platform.server.audit.query({ action: 'test.xss' }, { limit: 1 })).events[0]!.index;
    await page.goto(`${platform.issuer}/console/audit/events/${index}`);
    expect(await page.locator('.console-fields').first().textContent()).toContain(XSS);
    expect(await page.locator('main img').count()).toBe(0);
    expect(await proofResult()).toBe('verified');
    expect(dialogs).toEqual([]);
  });

  it('shows the integrity dashboard, runs a full verification, in both languages', async () => {
    await page.goto(`${platform.issuer}/console/integrity`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Audit log integrity');
    await page.getByRole('button', { name: 'Verify the whole log now' }).click();
    await page.waitForURL(/\/console\/integrity$/);
    expect(await page.locator('main').textContent()).toMatch(/Passed: the tree of all \d+ entries/);
    expect(await page.locator('.console-banner').count()).toBe(0);
    await shot('integrity-en');
    await page.goto(`${platform.issuer}/console/integrity?lang=zh-CN`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('审计日志完整性');
    await shot('integrity-zh-CN');
    expect(problems).toEqual([]);
  });

  it('signs out through OneGate: the logout page confirms, and the console asks to sign in again', async () => {
    await page.goto(`${platform.issuer}/console/audit?lang=en`);
    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.waitForURL(/\/session\/end/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Sign out of all government services?',
    );
    await shot('sign-out-en');
    await page.getByRole('button', { name: 'Yes, sign out everywhere' }).click();
    // Back at the console, which no longer knows the officer: OneGate's sign-in form.
    await page.getByLabel('Password', { exact: true }).waitFor();
    expect(new URL(page.url()).pathname).not.toMatch(/^\/console/);
    await page.goto(`${platform.issuer}/console/integrity`);
    await page.getByLabel('Password', { exact: true }).waitFor();
    expect(await page.locator('.console-officer').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
