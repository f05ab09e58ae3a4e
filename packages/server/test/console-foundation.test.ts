import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consoleAccount,
  ConsoleBrowser,
  signInToConsole,
  startConsoleServer,
  type ConsoleAccount,
  type TestServer,
} from './console-support.ts';

describe('the console: signing in, step-up and roles', () => {
  let server: TestServer;
  let officer: ConsoleAccount;
  let admin: ConsoleAccount;
  let citizen: ConsoleAccount;
  let passwordOnly: ConsoleAccount;

  beforeAll(async () => {
    server = await startConsoleServer();
    officer = await consoleAccount(server, 'officer.zhao', { roles: ['onegate/security-officer'] });
    admin = await consoleAccount(server, 'admin.qian', { roles: ['civil-affairs/department-admin'] });
    citizen = await consoleAccount(server, 'citizen.sun');
    passwordOnly = await consoleAccount(server, 'officer.li', {
      roles: ['onegate/security-officer'],
      secondFactor: false,
    });
  });
  afterAll(() => server?.shutdown());

  it('sends a signed-out browser to sign in through OneGate, asking for substantial', async () => {
    const page = await new ConsoleBrowser().get(`${server.url}/console/audit`, false);
    expect(page.status).toBe(303);
    const location = new URL(page.headers.get('location')!, server.url);
    expect(location.pathname).toBe('/auth');
    expect(location.searchParams.get('client_id')).toBe('onegate-console');
    expect(location.searchParams.get('acr_values')).toBe('urn:onegate:acr:substantial');
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('lets a security officer in after password and authenticator code, back on the page asked for', async () => {
    const browser = new ConsoleBrowser();
    const page = await signInToConsole(server, browser, officer, '/console/integrity');
    expect(page.status).toBe(200);
    expect(new URL(page.url).pathname).toBe('/console/integrity');
    // The header names the officer by username, never by the opaque account id.
    expect(page.body).toContain('Signed in as officer.zhao');
    expect(page.body).not.toContain(officer.id);
    expect(page.body).toContain('href="/console/audit"');
    expect(page.body).toContain('Sign out');
  });

  it('serves console pages with a strict CSP and no caching', async () => {
    const browser = new ConsoleBrowser();
    const page = await signInToConsole(server, browser, officer);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('asks a password-only officer to step up: the console never opens at acr low', async () => {
    const browser = new ConsoleBrowser();
    const page = await signInToConsole(server, browser, passwordOnly);
    // Without a second factor the sign-in cannot reach substantial: no console page.
    expect(page.url).not.toMatch(/\/console\/audit$/);
    expect(page.body).not.toContain('Signed in as');
    const again = await browser.get(`${server.url}/console/audit`, false);
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toContain('acr_values=urn%3Aonegate%3Aacr%3Asubstantial');
  });

  it('refuses an account with neither role with a 403 page in its language, and audits it', async () => {
    const browser = new ConsoleBrowser();
    const page = await signInToConsole(server, browser, citizen);
    expect(page.status).toBe(403);
    expect(page.body).toContain('No access to the console');
    const chinese = await browser.get(`${server.url}/console/audit?lang=zh-CN`);
    expect(chinese.status).toBe(403);
    expect(chinese.body).toContain('无权访问控制台');
    expect(chinese.body).toContain('lang="zh-CN"');
    const denied = await server.audit.query({ action: 'console.access', actor: citizen.id });
    expect(denied.events.length).toBeGreaterThan(0);
    expect(denied.events[0]!.event.outcome).toBe('denied');
  });

  it('lets a department admin in, but not into the security officers’ audit search', async () => {
    const browser = new ConsoleBrowser();
    const start = await signInToConsole(server, browser, admin, '/console/audit');
    expect(start.status).toBe(403);
    expect(start.body).toContain('Signed in as');
  });

  it('never returns to another site after signing in', async () => {
    const browser = new ConsoleBrowser();
    await signInToConsole(server, browser, officer);
    for (const target of ['https://evil.example/', '//evil.example/x', '/console/../account', '/account']) {
      const state = `x.${Buffer.from(target).toString('base64url')}`;
      const page = await browser.get(`${server.url}/console/callback?code=c&state=${state}`, false);
      expect(page.headers.get('location')).toBe('/console');
    }
  });
});

describe('the console: a person’s pace', () => {
  let server: TestServer;
  let officer: ConsoleAccount;
  let colleague: ConsoleAccount;

  beforeAll(async () => {
    server = await startConsoleServer({ ONEGATE_CONSOLE_REQUESTS_PER_OFFICER_PER_MINUTE: '5' });
    officer = await consoleAccount(server, 'officer.zhou', { roles: ['onegate/security-officer'] });
    colleague = await consoleAccount(server, 'officer.wu', { roles: ['onegate/security-officer'] });
  });
  afterAll(() => server?.shutdown());

  it('answers an officer past the minute’s requests, across sections, with a 429 page and Retry-After, audited once', async () => {
    // Well inside one minute, so that the count does not start over halfway.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 15_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
    const browser = new ConsoleBrowser();
    expect((await signInToConsole(server, browser, officer, '/console/audit')).status).toBe(200);
    for (const section of ['integrity', 'review', 'activity', 'audit']) {
      expect((await browser.get(`${server.url}/console/${section}`)).status, section).toBe(200);
    }
    const over = await browser.get(`${server.url}/console/integrity`);
    expect(over.status).toBe(429);
    expect(over.body).toContain('Too many requests');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await browser.get(`${server.url}/console/audit?lang=zh-CN`)).body).toContain('请求过于频繁');

    const other = new ConsoleBrowser();
    expect((await signInToConsole(server, other, colleague, '/console/audit')).status).toBe(200);

    const refused = await server.audit.query({ action: 'console.access', actor: officer.id });
    expect(refused.events.map((e) => [e.event.outcome, e.event.reason])).toEqual([
      ['denied', 'rate_limited'],
    ]);
  });
});
