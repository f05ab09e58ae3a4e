import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.ts';
import { pageQualityProblems } from './support/page-quality.ts';
import { startPlatform, type Platform } from '../e2e/support/platform.ts';
import { totp } from '../e2e/support/totp.ts';

/**
 * A department admin of Civil Affairs in a real Chromium: reviews who can
 * read a marriage record (two clerks by role, a police officer by
 * delegation), then looks at the delegations and the activity overview.
 * Screenshots of each page in both languages go to .test-artifacts/console/.
 */

const SHOTS = new URL('../../.test-artifacts/console/', import.meta.url);
const PASSWORD = 'a long passphrase 2026';
const DAY = 86_400_000;

describe('access review, delegations and activity in a real browser', () => {
  let platform: Platform;
  let browser: Promise<Browser>;
  let page: Page;
  const problems: string[] = [];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = existsSync(CHROMIUM)
      ? chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS })
      : Promise.reject(new Error(`no browser at ${CHROMIUM}: apt-get install chromium (.ci/run does this)`));
    browser.catch(() => undefined);
    platform = await startPlatform('sqlite');
    const { identity, authz, audit } = platform.server;
    for (const [id, name] of [
      ['civil-affairs', 'Civil Affairs'],
      ['public-security', 'Public Security'],
    ]) {
      await authz.putDepartment({ id, name }, 'test');
    }
    await authz.putRole({ department: 'civil-affairs', name: 'department-admin' }, 'test');
    await authz.putRole({ department: 'civil-affairs', name: 'clerk' }, 'test');
    await authz.putRole({ department: 'public-security', name: 'officer' }, 'test');
    for (const [username, department, role] of [
      ['admin.qian', 'civil-affairs', 'department-admin'],
      ['wang.fang', 'civil-affairs', 'clerk'],
      ['li.na', 'civil-affairs', 'clerk'],
      ['zhang.wei', 'public-security', 'officer'],
      ['sun.li', 'public-security', 'officer'],
    ] as const) {
      const account = await identity.accounts.create({ username, password: PASSWORD });
      ids[username] = account.id;
      await authz.assign({ subject: account.id, department, role }, 'test');
    }
    const secret = (
      await identity.totp.begin(ids['admin.qian']!, { account: 'admin.qian', issuer: 'OneGate' })
    ).secretBase32;
    await identity.totp.activate(ids['admin.qian']!, totp(secret, Date.now() - 30_000));
    await authz.putRule(
      {
        id: 'clerks-read-marriages',
        department: 'civil-affairs',
        role: 'clerk',
        resources: ['civil-affairs/marriage-records/*'],
        actions: ['read'],
      },
      'test',
    );
    const now = Date.now();
    const delegation = (id: string, days: number, purposes: string[]) => ({
      id,
      fromDepartment: 'civil-affairs',
      toDepartment: 'public-security',
      toRole: 'officer',
      resources: ['civil-affairs/marriage-records/*'],
      actions: ['read'],
      purposes,
      notBefore: now - DAY,
      expiresAt: now + days * DAY,
      reason: 'joint investigations agreement 2026-7',
    });
    await authz.createDelegation(delegation('police-marriages', 90, ['case-handling']), 'admin-zhou');
    await authz.approveDelegation('police-marriages', ids['admin.qian']!);
    await authz.createDelegation(delegation('police-census', 6, ['statistics']), 'admin-zhou');
    await authz.approveDelegation('police-census', ids['admin.qian']!);
    await authz.createDelegation(delegation('police-archive', 30, ['case-handling']), 'admin-zhou');
    // Something to chart: sign-ins, a burst of failures, decrypts and denies.
    for (let i = 0; i < 12; i++) {
      await audit.write({
        action: 'login',
        outcome: 'failure',
        subject: ids['sun.li'],
        address: '203.0.113.7',
      });
    }
    for (const who of ['wang.fang', 'li.na', 'zhang.wei']) {
      await audit.write({ action: 'login', outcome: 'success', actor: ids[who], subject: ids[who] });
    }
    for (let i = 0; i < 8; i++) {
      await audit.write({
        action: 'privacy.decrypt',
        outcome: 'success',
        actor: ids['wang.fang'],
        details: {
          purpose: 'case-handling',
          collection: 'civil-affairs/residents',
          row: `r-${i}`,
          field: 'name',
        },
      });
    }
    await authz.check(
      {
        subject: ids['zhang.wei']!,
        action: 'read',
        resource: 'civil-affairs/marriage-records/m-1',
        purpose: 'curiosity',
      },
      { clientId: 'records-app' },
    );

    const context = await (
      await browser
    ).newContext({ locale: 'en', viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(5_000);
    page = await context.newPage();
    page.on('console', (message) => {
      if (new URL(message.location().url || 'about:blank').pathname === '/favicon.ico') return;
      if (message.type() === 'error' || /Refused to|Content Security Policy/.test(message.text())) {
        problems.push(message.text());
      }
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${platform.issuer}/console/review`);
    await page.locator('input[name="username"]').fill('admin.qian');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password', { exact: true }).press('Enter');
    await page.locator('input[name="code"]').fill(totp(secret));
    await page.locator('input[name="code"]').press('Enter');
    await page.waitForURL(/\/console\/review$/);
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

  /** Screenshots the current page in English, then in Chinese, and comes back to English. */
  async function bothLanguages(name: string, zhHeading: string): Promise<void> {
    await shot(`${name}-en`);
    await page.getByRole('link', { name: '简体中文' }).click();
    await page.waitForURL(/lang=zh-CN/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(zhHeading);
    await shot(`${name}-zh-CN`);
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(/lang=en/);
  }

  it('access review lists the expected people for a sample resource', async () => {
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Access review');
    await page.getByLabel('Resource', { exact: true }).fill('civil-affairs/marriage-records/2026-0001');
    await page.getByLabel('Action', { exact: true }).fill('read');
    await page.getByRole('button', { name: 'Show who can' }).click();
    await page.waitForURL(/\/console\/review\?resource=/);
    const rows = page.locator('#review-answer table').first().locator('tbody tr');
    const people = (await rows.locator('td:first-child').allTextContents()).map(
      (t) => t.trim().split(/\s+/)[0],
    );
    expect([...new Set(people)].sort()).toEqual(['li.na', 'sun.li', 'wang.fang', 'zhang.wei']);
    expect(people).toHaveLength(6); // each police officer twice: one way in per delegation
    const police = await rows.filter({ hasText: 'zhang.wei' }).allTextContents();
    // Two ways in for the police: the delegation for case-handling and the one for statistics.
    expect(police.join(' ')).toContain('delegation police-marriages');
    expect(police.join(' ')).toContain('delegation police-census');
    expect(await page.getByRole('link', { name: 'Export as CSV for sign-off' }).count()).toBe(1);
    await bothLanguages('review', '访问审查');
    expect(problems).toEqual([]);
  });

  it("announces a refusal for another department's resource as an alert", async () => {
    await page.getByLabel('Resource', { exact: true }).fill('public-security/cases/2026-0007');
    await page.getByLabel('Action', { exact: true }).fill('read');
    await page.getByRole('button', { name: 'Show who can' }).click();
    await page.waitForURL(/\/console\/review\?resource=/);
    expect(await page.getByRole('alert').textContent()).toMatch(/department/i);
    await shot('review-error-en');
    // The refusal is a 403, which Chromium logs; nothing else may be there.
    expect(problems).toEqual([expect.stringContaining('status of 403')]);
    problems.length = 0;
  });

  it('shows the delegations with the one ending soon flagged', async () => {
    await page.getByRole('link', { name: 'Delegations' }).click();
    await page.waitForURL(/\/console\/delegations$/);
    expect(await page.locator('tr[data-delegation="police-census"]').textContent()).toContain(
      'Expiring soon',
    );
    expect(await page.locator('tr[data-delegation="police-archive"]').textContent()).toContain(
      'Pending approval',
    );
    expect(await page.getByRole('heading', { name: 'New delegation' }).count()).toBe(1);
    await bothLanguages('delegations', '授权委托');
    expect(problems).toEqual([]);
  });

  it('draws the activity overview with its alerts', async () => {
    await page.getByRole('link', { name: 'Activity' }).click();
    await page.waitForURL(/\/console\/activity$/);
    expect(await page.locator('svg.chart').count()).toBe(4);
    expect(await page.locator('tr[data-alert="purpose_outside_delegation"]').count()).toBe(1);
    await bothLanguages('activity', '活动概览');
    expect(problems).toEqual([]);
  });
});
