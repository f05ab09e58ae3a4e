import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDemo, type Demo } from '@onegate/demo';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.ts';
import { freePort } from '../e2e/support/platform.ts';
import { totp } from '../e2e/support/totp.ts';
import { readAuditLog } from '../demo/audit-api.ts';

/**
 * `pnpm demo` in a real Chromium: OneGate and its two demo apps, each app
 * built only on `@onegate/sdk`. A citizen signs in once and is signed in at
 * both apps, and signing out at one signs out of both (back-channel logout);
 * a clerk sees ID numbers masked, states a purpose to see one in full, and
 * that decrypt is in OneGate's audit log with the purpose and the clerk.
 */
describe('the demo in a real browser', () => {
  let demo: Demo;
  /** Launched once; a missing browser fails every test of the suite rather than skipping it. */
  let browser: Promise<Browser>;

  beforeAll(async () => {
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

  async function openPage(): Promise<Page> {
    const context = await (await browser).newContext({ locale: 'en' });
    // Well under the test's own time limit, so a stuck step fails with Playwright's message.
    context.setDefaultTimeout(5_000);
    return context.newPage();
  }

  /** Signs in on OneGate's page the browser is on: username, password, Enter. */
  async function signIn(page: Page, who: { username: string; password: string }): Promise<void> {
    expect(new URL(page.url()).origin).toBe(demo.urls.onegate);
    await page.getByLabel('Username, phone number or e-mail').fill(who.username);
    await page.getByLabel('Password', { exact: true }).fill(who.password);
    await page.getByLabel('Password', { exact: true }).press('Enter');
  }

  const text = async (page: Page, testId: string) =>
    ((await page.getByTestId(testId).textContent()) ?? '').replace(/\s+/g, ' ').trim();

  it('signs the citizen in once for both apps, and signing out at one signs out of both', async () => {
    const page = await openPage();
    await page.goto(`${demo.urls.socialSecurity}/benefits`);
    await signIn(page, demo.credentials.citizen);
    await page.waitForURL(`${demo.urls.socialSecurity}/benefits`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your pension and benefits');
    // The name, masked by OneGate's privacy API: the surname only.
    expect(await text(page, 'who')).toBe('李**');
    expect(await page.getByRole('note').textContent()).toBe('DEMO — not a real government service');

    // The other app: OneGate's session answers at once, no form (single sign-on).
    await page.goto(demo.urls.civilAffairs);
    await page.waitForURL(`${demo.urls.civilAffairs}/`);
    expect(await text(page, 'who')).toBe('李小红');
    // Signed in, but a citizen holds no role there: OneGate's authorization says no.
    expect(await text(page, 'status')).toContain('You are signed in, but you hold no role in civil affairs');

    // Sign out at Social Security, confirmed on OneGate's page.
    await page.goto(demo.urls.socialSecurity);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign out everywhere' }).click();
    await page.waitForURL(`${demo.urls.socialSecurity}/`);
    expect(await text(page, 'status')).toBe('You are not signed in.');

    // Civil Affairs Records heard of it through back-channel logout: it no longer knows the citizen
    // and sends them to OneGate, which asks for a password again.
    await expect
      .poll(
        async () => {
          await page.goto(demo.urls.civilAffairs);
          return new URL(page.url()).origin;
        },
        { message: 'Civil Affairs Records still knows the citizen after they signed out at Social Security' },
      )
      .toBe(demo.urls.onegate);
    await expect(page.getByLabel('Password', { exact: true }).isVisible()).resolves.toBe(true);
    await page.context().close();
  });

  it('shows the clerk ID numbers masked, and one in full for a stated purpose, audited', async () => {
    const { staff } = demo.credentials;
    const page = await openPage();
    await page.goto(demo.urls.civilAffairs);
    await signIn(page, staff);
    await page.getByLabel('Code or recovery code').fill(totp(staff.totpSecret));
    await page.getByLabel('Code or recovery code').press('Enter');
    await page.waitForURL(`${demo.urls.civilAffairs}/`);
    expect(await text(page, 'status')).toContain('Sign-in level: substantial');
    const register = await text(page, 'residents');
    expect(register).toContain('330106********0415');
    expect(register).not.toContain('330106198503120415');

    await page
      .getByRole('row', { name: /r-1001/ })
      .getByRole('link', { name: 'Show in full…' })
      .click();
    await page.getByLabel('Purpose').selectOption('identity-verification');
    await page
      .getByLabel('Case number or note (recorded in the audit log)')
      .fill('counter visit HZ-2026-0042');
    await page.getByRole('button', { name: 'Show the ID number' }).click();
    expect(await text(page, 'unmasked')).toBe('330106198503120415');
    // The app's panel reads OneGate's log: the decrypt and the app's own event are there.
    const panel = (await page.getByTestId('audit-events').locator('tr').allInnerTexts()).map((row) =>
      row.replace(/\s+/g, ' ').trim(),
    );
    const resource = 'civil-affairs-hangzhou/residents/r-1001/id_number';
    expect(panel).toContainEqual(
      expect.stringMatching(`privacy.decrypt success identity-verification ${resource}$`),
    );
    expect(panel).toContainEqual(
      expect.stringMatching(`record.unmask success identity-verification ${resource}$`),
    );

    // And the log, read through OneGate's API as a security officer would.
    const decrypts = await readAuditLog(demo, { action: 'privacy.decrypt' });
    expect(decrypts).toHaveLength(1);
    expect(decrypts[0]).toMatchObject({
      actor: { id: staff.accountId },
      outcome: 'success',
      purpose: 'identity-verification',
      target: { resource, subject: demo.credentials.citizen.accountId },
    });
    const [unmask] = await readAuditLog(demo, { action: 'record.unmask' });
    expect(unmask).toMatchObject({
      actor: { type: 'user', id: staff.accountId },
      purpose: 'identity-verification',
      reason: 'counter visit HZ-2026-0042',
    });
    await page.context().close();
  });

  describe('in production', () => {
    afterEach(() => vi.unstubAllEnvs());

    it.each([
      ['ONEGATE_ENV', 'production'],
      ['NODE_ENV', 'production'],
    ])('refuses to start when %s is %s: it would print passwords', async (name, value) => {
      vi.stubEnv(name, value);
      await expect(startDemo({ ports: { onegate: await freePort() }, quiet: true })).rejects.toThrow(
        'the OneGate demo refuses to run in production',
      );
    });
  });
});
