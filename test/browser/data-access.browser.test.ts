import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '@onegate/demo';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.ts';
import { pageQualityProblems } from './support/page-quality.ts';
import { freePort } from '../e2e/support/platform.ts';
import { totp } from '../e2e/support/totp.ts';

const SHOTS = new URL('../../.test-artifacts/console/', import.meta.url);

/**
 * The scenario in a real Chromium against `pnpm demo`: the clerk of
 * Civil Affairs Records sees the demo citizen's ID number in full three
 * times (and another resident's once); the citizen then opens "who looked at
 * my data" on OneGate's account page and finds exactly those three, each
 * with the department, the app, the purpose and the clerk masked.
 */
describe("the citizen's data-access page in a real browser", () => {
  let demo: Demo;
  let browser: Promise<Browser>;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = existsSync(CHROMIUM)
      ? chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS })
      : Promise.reject(new Error(`no browser at ${CHROMIUM}: apt-get install chromium (.ci/run does this)`));
    browser.catch(() => undefined);
    demo = await startDemo({
      ports: { onegate: await freePort(), socialSecurity: await freePort(), civilAffairs: await freePort() },
      quiet: true,
    });
  });

  afterAll(async () => {
    await (await browser.catch(() => undefined))?.close();
    await demo?.stop();
  });

  async function openPage(locale = 'en'): Promise<Page> {
    const context = await (await browser).newContext({ locale });
    context.setDefaultTimeout(5_000);
    return context.newPage();
  }

  async function signIn(page: Page, who: { username: string; password: string }): Promise<void> {
    expect(new URL(page.url()).origin).toBe(demo.urls.onegate);
    await page.getByLabel('Username, phone number or e-mail').fill(who.username);
    await page.getByLabel('Password', { exact: true }).fill(who.password);
    await page.getByLabel('Password', { exact: true }).press('Enter');
  }

  /** Screenshots the page (wide and phone) after checking it is accessible and fits a phone. */
  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });
    const lang = name.endsWith('-zh-CN') ? 'zh-CN' : 'en';
    const phone = new URL(`${name}-phone.png`, SHOTS).pathname;
    expect.soft(await pageQualityProblems(page, lang, phone), name).toEqual([]);
  }

  /** The clerk sees one resident's ID number in full, for a purpose. */
  async function unmask(page: Page, row: string, note: string): Promise<void> {
    await page.goto(`${demo.urls.civilAffairs}/residents/${row}/unmask`);
    await page.getByLabel('Purpose').selectOption('identity-verification');
    await page.getByLabel('Case number or note (recorded in the audit log)').fill(note);
    await page.getByRole('button', { name: 'Show the ID number' }).click();
    await expect(page.getByTestId('unmasked').isVisible()).resolves.toBe(true);
  }

  it('a citizen sees exactly their own three accesses made by the demo staff app', async () => {
    const { staff, citizen } = demo.credentials;
    const clerk = await openPage();
    await clerk.goto(demo.urls.civilAffairs);
    await signIn(clerk, staff);
    await clerk.getByLabel('Code or recovery code').fill(totp(staff.totpSecret));
    await clerk.getByLabel('Code or recovery code').press('Enter');
    await clerk.waitForURL(`${demo.urls.civilAffairs}/`);
    for (const note of ['HZ-2026-0042', 'HZ-2026-0043', 'HZ-2026-0044']) await unmask(clerk, 'r-1001', note);
    // Another resident's record: never on the citizen's page.
    await unmask(clerk, 'r-1002', 'HZ-2026-0045');
    await clerk.context().close();

    const page = await openPage();
    await page.goto(`${demo.urls.onegate}/account`);
    await signIn(page, citizen);
    await page.waitForURL(`${demo.urls.onegate}/account`);
    await page.getByRole('link', { name: 'See who looked at my data' }).click();
    await page.waitForURL(`${demo.urls.onegate}/account/data-access`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Who looked at my data');

    const accesses = page.getByTestId('accesses').locator('> li');
    await expect(accesses.count()).resolves.toBe(3);
    const shown = (await accesses.allInnerTexts()).map((text) => text.replace(/\s+/g, ' '));
    const clerkId = `demo.*** …${staff.accountId.slice(-4)}`;
    for (const entry of shown) {
      expect(entry).toContain('civil-affairs-hangzhou/residents/r-1001/id_number');
      expect(entry).toContain('Demo: Civil Affairs Records backend');
      expect(entry).toContain('identity-verification');
      expect(entry).toContain(`王* (${clerkId})`);
      expect(entry).toContain('Accessed');
      expect(entry).not.toContain('王芳');
      expect(entry).not.toContain(staff.accountId);
    }
    expect(shown.join('\n')).not.toContain('r-1002');
    await expect(
      page.getByRole('button', { name: 'Report this access as suspicious' }).count(),
    ).resolves.toBe(3);
    await shot(page, 'data-access-en');

    await page.getByRole('link', { name: '简体中文' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('谁查看了我的数据');
    await expect(page.getByTestId('accesses').locator('> li').count()).resolves.toBe(3);
    await shot(page, 'data-access-zh-CN');

    // One click reports the newest as suspicious; the page confirms it.
    await page.getByLabel('说明（可选）').first().fill('我没有去过民政窗口');
    await page.getByRole('button', { name: '举报此次访问可疑' }).first().click();
    await page.waitForURL(`${demo.urls.onegate}/account/data-access?reported=1`);
    expect(await page.getByRole('status').textContent()).toContain('已收到您的举报');
    await shot(page, 'data-access-reported-zh-CN');
    await page.context().close();
  });
});
