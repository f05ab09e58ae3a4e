import { leafHash, rootFromInclusion } from '@onegate/audit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consoleAccount,
  ConsoleBrowser,
  signInToConsole,
  startConsoleServer,
  type ConsoleAccount,
  type Page,
  type TestServer,
} from './console-support.ts';

const XSS = '"><img src=x onerror=alert(1)>';

describe('console audit search, event detail, export, prove it and integrity', () => {
  let server: TestServer;
  let officer: ConsoleAccount;
  let browser: ConsoleBrowser;
  let start: Page;

  beforeAll(async () => {
    server = await startConsoleServer();
    officer = await consoleAccount(server, 'officer.zhou', { roles: ['onegate/security-officer'] });
    await server.audit.write({
      action: 'privacy.decrypt',
      outcome: 'success',
      actor: 'clerk.wu',
      subject: 'citizen-110101199003077777',
      details: { purpose: 'benefit-review', field: 'phone' },
    });
    await server.audit.write({ action: 'test.xss', outcome: 'failure', actor: 'mallory', reason: XSS });
    browser = new ConsoleBrowser();
    start = await signInToConsole(server, browser, officer, '/console/audit');
  });
  afterAll(() => server?.shutdown());

  const csrfOf = (page: Page) => /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
  const search = (fields: Record<string, string>) =>
    browser.post(`${server.url}/console/audit/search`, { csrf: csrfOf(start), ...fields });
  const indexOf = async (action: string) =>
    (await server.audit.query({ action }, { limit: 1 })).events[0]!.index;

  it('opens on the newest events, newest first', async () => {
    expect(start.status).toBe(200);
    expect(new URL(start.url).pathname).toBe('/console/audit');
    const decrypt = start.body.indexOf('privacy.decrypt');
    const xss = start.body.indexOf('test.xss');
    expect(decrypt).toBeGreaterThan(0);
    expect(xss).toBeGreaterThan(0);
    expect(xss).toBeLessThan(decrypt);
  });

  it('finds events by action, by data subject (posted, never in the URL) and by purpose', async () => {
    const byAction = await search({ action: 'privacy.decrypt' });
    expect(byAction.status).toBe(200);
    expect(byAction.body).toContain('benefit-review');
    expect(byAction.body).not.toContain('test.xss');
    const bySubject = await search({ subject: 'citizen-110101199003077777' });
    expect(bySubject.body).toContain('privacy.decrypt');
    expect(bySubject.body).not.toContain('test.xss');
    expect(bySubject.url).not.toContain('citizen');
    const none = await search({ purpose: 'no-such-purpose' });
    expect(none.body).toContain('No event matches these filters.');
    const bad = await search({ from: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('role="alert"');
  });

  it('refuses a search posted without the page’s token or from another site', async () => {
    const forged = await browser.post(`${server.url}/console/audit/search`, { action: 'privacy.decrypt' });
    expect(forged.status).toBe(403);
    const crossSite = await browser.post(
      `${server.url}/console/audit/search`,
      { csrf: csrfOf(start), action: 'privacy.decrypt' },
      true,
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(crossSite.status).toBe(403);
  });

  it('shows a stored "><img onerror> literally on the event page', async () => {
    const page = await browser.get(`${server.url}/console/audit/events/${await indexOf('test.xss')}`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('proves an event: the proof on the page leads from its leaf to the signed root', async () => {
    const index = await indexOf('privacy.decrypt');
    const page = await browser.get(`${server.url}/console/audit/events/${index}`);
    expect(page.body).toContain('Signature verified by the server');
    expect(page.body).toMatch(/<script src="\/console\/assets\/prove-it\.js\?v=[\w-]+" defer><\/script>/);
    const leaf = Buffer.from(/id="proof-leaf">([^<]+)</.exec(page.body)![1]!.trim(), 'base64');
    const size = Number(/data-size="(\d+)"/.exec(page.body)![1]);
    const signedRoot = /id="signed-root">([0-9a-f]+)</.exec(page.body)![1]!;
    const hashes = [...page.body.matchAll(/<li><code>([0-9a-f]{64})<\/code><\/li>/g)].map((m) =>
      Buffer.from(m[1]!, 'hex'),
    );
    expect(JSON.parse(leaf.toString('utf8'))).toMatchObject({ action: 'privacy.decrypt' });
    expect(rootFromInclusion(leafHash(leaf), index, size, hashes).toString('hex')).toBe(signedRoot);
    const script = await browser.get(`${server.url}/console/assets/prove-it.js`);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect(script.body).toContain("crypto.subtle.digest('SHA-256'");
  });

  it('answers an unknown event with 404', async () => {
    expect((await browser.get(`${server.url}/console/audit/events/99999999`)).status).toBe(404);
    expect((await browser.get(`${server.url}/console/audit/events/-1`)).status).toBe(404);
  });

  it('exports the current filter as CSV, JSONL and OCSF under a name of its own choosing', async () => {
    for (const [format, type, extension] of [
      ['csv', 'text/csv', '.csv'],
      ['jsonl', 'application/x-ndjson', '.jsonl'],
      ['ocsf', 'application/x-ndjson', '.ocsf.jsonl'],
    ] as const) {
      const res = await browser.post(`${server.url}/console/audit/export`, {
        csrf: csrfOf(start),
        action: 'privacy.decrypt',
        format,
        filename: '../../x.html',
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect(res.headers.get('content-disposition')).toMatch(
        new RegExp(`^attachment; filename="onegate-audit-\\d{8}T\\d{6}Z${extension.replace(/\./g, '\\.')}"$`),
      );
      expect(res.body).toContain(format === 'ocsf' ? '"class_uid"' : 'privacy.decrypt');
      expect(res.body).not.toContain('test.xss');
      if (format === 'jsonl') {
        const lines = res.body.trim().split('\n');
        expect(lines.length).toBe(1);
        expect(JSON.stringify(JSON.parse(lines[0]!))).toContain('"action":"privacy.decrypt"');
      }
    }
  });

  it('audits every search, view and export with the officer as actor, without the subject searched for', async () => {
    for (const action of ['console.audit.search', 'console.audit.view', 'console.audit.export']) {
      const { events } = await server.audit.query({ action, actor: officer.id });
      expect(events.length, action).toBeGreaterThan(0);
    }
    const searches = await server.audit.query({ action: 'console.audit.search', actor: officer.id });
    expect(JSON.stringify(searches.events)).not.toContain('110101199003077777');
    expect(JSON.stringify(searches.events)).toContain('subjectGiven');
  });

  it('shows the integrity dashboard all green, then red after a stored entry is altered', async () => {
    // Checkpoints signed before a key rotation still check against the rotated key.
    await server.audit.checkpoint();
    await server.audit.rotateKey('operator');
    const page = await browser.get(`${server.url}/console/integrity`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Every check passed.');
    expect(page.body).not.toContain('console-banner');
    expect(page.body).toContain('No full verification has been run yet.');
    const verified = await browser.submit(page, {}, '/console/integrity/verify');
    expect(verified.status).toBe(200);
    expect(verified.body).toMatch(/Passed: the tree of all \d+ entries/);

    const index = await indexOf('test.xss');
    await server.store.exec(`UPDATE audit_entries SET leaf = $1 WHERE idx = $2`, [
      Buffer.from('{"tampered":true}'),
      index,
    ]);
    const after = await browser.submit(verified, {}, '/console/integrity/verify');
    expect(after.body).toContain('console-banner');
    expect(after.body).toContain(`none from index ${index} on can be trusted`);
    const chinese = await browser.get(`${server.url}/console/integrity?lang=zh-CN`);
    expect(chinese.body).toContain('有检查未通过');
    const { events } = await server.audit.query({ action: 'console.integrity.verify', actor: officer.id });
    expect(events.map((e) => e.event.outcome)).toEqual(['failure', 'success']);
  });
});
