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

const DAY = 86_400_000;
const RECORD = 'civil-affairs/marriage-records/2026-0001';

/** The audit events of `action` by `actor`, newest first. */
async function audited(server: TestServer, action: string, actor: string) {
  const { events } = await server.audit.query({ action, actor });
  return events.map((e) => e.event);
}

/** The create form's post (its action is the prefix of every other form's on the page). */
function createDelegation(
  browser: ConsoleBrowser,
  page: Page,
  fields: Record<string, string>,
): Promise<Page> {
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  return browser.post(new URL('/console/delegations', page.url).toString(), { csrf, ...fields });
}

/** The `<tr>` of a delegation on the delegations page. */
function delegationRow(body: string, id: string): string {
  return new RegExp(`<tr data-delegation="${id}"[\\s\\S]*?</tr>`).exec(body)?.[0] ?? '';
}

describe('the console: access review and delegations', () => {
  let server: TestServer;
  let officer: ConsoleAccount;
  let adminA: ConsoleAccount;
  let adminB: ConsoleAccount;
  let policeAdmin: ConsoleAccount;
  let clerk: ConsoleAccount;
  let police: ConsoleAccount;
  const browsers = new Map<string, ConsoleBrowser>();

  /** A browser signed in to the console as `account` (one per account, reused). */
  async function as(account: ConsoleAccount, lang = 'en'): Promise<ConsoleBrowser> {
    const key = `${account.id}/${lang}`;
    let browser = browsers.get(key);
    if (!browser) {
      browser = new ConsoleBrowser(lang);
      const landed = await signInToConsole(server, browser, account);
      expect(landed.status).toBe(200);
      browsers.set(key, browser);
    }
    return browser;
  }

  beforeAll(async () => {
    server = await startConsoleServer();
    officer = await consoleAccount(server, 'officer.zhao', { roles: ['onegate/security-officer'] });
    adminA = await consoleAccount(server, 'admin.qian', { roles: ['civil-affairs/department-admin'] });
    adminB = await consoleAccount(server, 'admin.zhou', { roles: ['civil-affairs/department-admin'] });
    policeAdmin = await consoleAccount(server, 'admin.wu', { roles: ['public-security/department-admin'] });
    clerk = await consoleAccount(server, 'clerk.wang', {
      roles: ['civil-affairs/clerk'],
      secondFactor: false,
    });
    police = await consoleAccount(server, 'police.li', {
      roles: ['public-security/officer'],
      secondFactor: false,
    });
    const { authz } = server;
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
    const delegation = (id: string, days: number) => ({
      id,
      fromDepartment: 'civil-affairs',
      toDepartment: 'public-security',
      toRole: 'officer',
      resources: ['civil-affairs/marriage-records/*'],
      actions: ['read'],
      purposes: ['case-handling'],
      notBefore: now - DAY,
      expiresAt: now + days * DAY,
      minAcr: 'low',
      reason: 'joint investigations agreement 2026-7',
    });
    await authz.createDelegation(delegation('police-marriages', 60), adminA.id);
    await authz.approveDelegation('police-marriages', adminB.id);
    await authz.createDelegation(delegation('police-marriages-short', 5), adminA.id);
    await authz.approveDelegation('police-marriages-short', adminB.id);
  });
  afterAll(() => server?.shutdown());

  describe('access review', () => {
    it('lists who can read a record and how: the clerk by role, the police officer by delegation for its purpose', async () => {
      const browser = await as(adminA);
      const page = await browser.get(
        `${server.url}/console/review?resource=${encodeURIComponent(RECORD)}&action=read`,
      );
      expect(page.status).toBe(200);
      const answer = /<div class="review-answer"[\s\S]*$/.exec(page.body)?.[0] ?? '';
      expect(answer).toContain(`clerk.wang <code>${clerk.id}</code>`);
      expect(answer).toContain(`police.li <code>${police.id}</code>`);
      expect(answer).toContain('delegation police-marriages');
      expect(answer).toContain('case-handling');
      expect(answer).toContain('rule clerks-read-marriages');
      expect(answer).not.toContain('officer.zhao');
      const [event] = await audited(server, 'console.review', adminA.id);
      expect(event).toMatchObject({ outcome: 'success', details: { question: 'who', resource: RECORD } });
    });

    it('for another purpose, only the clerk', async () => {
      const page = await (
        await as(adminA)
      ).get(
        `${server.url}/console/review?resource=${encodeURIComponent(RECORD)}&action=read&purpose=statistics`,
      );
      expect(page.body).toContain(clerk.id);
      expect(page.body).not.toContain(police.id);
    });

    it("refuses a department admin a review of another department's resource, and audits the refusal", async () => {
      const page = await (
        await as(policeAdmin)
      ).get(`${server.url}/console/review?resource=${encodeURIComponent(RECORD)}&action=read`);
      expect(page.status).toBe(403);
      expect(page.body).toContain('not one you administer');
      expect(page.body).not.toContain(clerk.id);
      const [event] = await audited(server, 'console.review', policeAdmin.id);
      expect(event).toMatchObject({ outcome: 'denied', reason: 'not_your_department' });
    });

    it('lets a security officer review any department', async () => {
      const page = await (
        await as(officer)
      ).get(`${server.url}/console/review?resource=${encodeURIComponent(RECORD)}&action=read`);
      expect(page.status).toBe(200);
      expect(page.body).toContain(clerk.id);
    });

    it('shows what a person can do, looked up by username', async () => {
      const page = await (await as(officer)).get(`${server.url}/console/review?person=police.li`);
      expect(page.status).toBe(200);
      expect(page.body).toContain(`What police.li (${police.id}) can do`);
      expect(page.body).toContain('civil-affairs/marriage-records/*');
      expect(page.body).toContain('delegation police-marriages');
    });

    it("shows a department admin only the person's grants in their departments", async () => {
      const page = await (await as(policeAdmin)).get(`${server.url}/console/review?person=clerk.wang`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('No rule covers this person.');
      expect(page.body).not.toContain('civil-affairs/marriage-records/*');
    });

    it('shows a bad resource as an error in the page', async () => {
      const page = await (await as(officer)).get(`${server.url}/console/review?resource=nope&action=read`);
      expect(page.status).toBe(400);
      expect(page.body).toContain('role="alert"');
      expect(page.body).toContain('department/segment');
    });

    it('exports who can, as CSV with who exported it and when, and audits the export', async () => {
      const before = Date.now();
      const res = await (
        await as(officer)
      ).get(`${server.url}/console/review/export.csv?resource=${encodeURIComponent(RECORD)}&action=read`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toMatch(
        /^attachment; filename="access-review-who-\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      const lines = res.body.replace(/^\uFEFF/, '').split('\r\n');
      expect(lines[0]).toBe('OneGate access review');
      expect(lines[1]).toBe(`exported_by,${officer.id},officer.zhao`);
      const exportedAt = Date.parse(lines[2]!.split(',')[1]!);
      expect(exportedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(lines).toContain(`resource,${RECORD}`);
      const header = lines.indexOf(
        'account_id,username,access,how,role_path,held_in,granted_by,reached_from,purpose,min_acr,valid_from,valid_until,closed_by',
      );
      expect(header).toBeGreaterThan(0);
      const rows = lines.slice(header + 1).filter((l) => l !== '');
      expect(rows.find((r) => r.startsWith(`${clerk.id},clerk.wang,allowed,department,`))).toContain(
        'rule:clerks-read-marriages',
      );
      expect(rows.find((r) => r.startsWith(`${police.id},police.li,allowed,delegation,`))).toContain(
        'delegation:police-marriages,',
      );
      const [event] = await audited(server, 'console.review_export', officer.id);
      expect(event).toMatchObject({ outcome: 'success', details: { question: 'who', resource: RECORD } });
    });

    it('exports what a person can do as CSV', async () => {
      const res = await (await as(adminA)).get(`${server.url}/console/review/export.csv?person=clerk.wang`);
      const lines = res.body.replace(/^\uFEFF/, '').split('\r\n');
      expect(lines[1]).toBe(`exported_by,${adminA.id},admin.qian`);
      expect(lines).toContain(`account_id,${clerk.id},clerk.wang`);
      expect(
        lines.some((l) => l.startsWith('allow,civil-affairs,civil-affairs/marriage-records/*,read,')),
      ).toBe(true);
    });
  });

  describe('delegations', () => {
    const today = () => new Date().toISOString().slice(0, 10);
    const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);
    const form = (id: string) => ({
      id,
      fromDepartment: 'civil-affairs',
      toDepartment: 'public-security',
      toRole: 'officer',
      resources: 'civil-affairs/birth-records/*',
      actions: 'read',
      purposes: 'case-handling',
      notBefore: today(),
      expiresAt: inDays(90),
      minAcr: 'substantial',
      reason: 'missing persons agreement',
    });

    it('lists each delegation with its state, warning of one ending within 14 days', async () => {
      const page = await (await as(adminA)).get(`${server.url}/console/delegations`);
      expect(page.status).toBe(200);
      const short = delegationRow(page.body, 'police-marriages-short');
      expect(short).toContain('data-state="expiring"');
      expect(short).toContain('Expiring soon');
      expect(short).toContain('ends in 5 days');
      const long = delegationRow(page.body, 'police-marriages');
      expect(long).toContain('data-state="active"');
      expect(long).not.toContain('Expiring soon');
    });

    it('creates a delegation pending approval; its author cannot approve it, another admin of the sharing department can', async () => {
      const a = await as(adminA);
      const page = await a.get(`${server.url}/console/delegations`);
      const created = await createDelegation(a, page, form('birth-records-police'));
      expect(new URL(created.url).search).toBe('?done=created&id=birth-records-police');
      expect(delegationRow(created.body, 'birth-records-police')).toContain('Pending approval');
      expect((await server.authz.delegation('birth-records-police')).createdBy).toBe(adminA.id);

      // The author's approve button leads to a refusal from authz's two-person rule; nothing changes.
      const refused = await a.submit(created, {}, '/console/delegations/birth-records-police/approve');
      expect(refused.status).toBe(409);
      expect(refused.body).toContain('must be approved by someone other than its author');
      expect((await server.authz.delegation('birth-records-police')).status).toBe('pending');
      expect((await audited(server, 'console.delegation_approve', adminA.id))[0]).toMatchObject({
        outcome: 'denied',
        reason: 'conflict',
      });
      expect((await audited(server, 'authz.delegation_approve', adminA.id))[0]).toMatchObject({
        outcome: 'denied',
      });

      // An admin of the receiving department may not approve what another department shares.
      const p = await as(policeAdmin);
      const theirs = await p.get(`${server.url}/console/delegations`);
      expect(delegationRow(theirs.body, 'birth-records-police')).not.toContain('/approve');
      const forced = await p.post(`${server.url}/console/delegations/birth-records-police/approve`, {
        csrf: /name="csrf" value="([^"]+)"/.exec(theirs.body)?.[1] ?? '',
      });
      expect(forced.status).toBe(403);
      expect(forced.body).toContain('Only administrators of civil-affairs can do this.');
      expect((await server.authz.delegation('birth-records-police')).status).toBe('pending');

      const b = await as(adminB);
      const other = await b.get(`${server.url}/console/delegations`);
      const approved = await b.submit(other, {}, '/console/delegations/birth-records-police/approve');
      expect(new URL(approved.url).search).toBe('?done=approved&id=birth-records-police');
      expect(delegationRow(approved.body, 'birth-records-police')).toContain('data-state="active"');
      expect(await server.authz.delegation('birth-records-police')).toMatchObject({
        status: 'approved',
        approvedBy: adminB.id,
      });
      expect((await audited(server, 'console.delegation_approve', adminB.id))[0]).toMatchObject({
        outcome: 'success',
        details: { delegationId: 'birth-records-police' },
      });
      expect((await audited(server, 'console.delegation_create', adminA.id))[0]).toMatchObject({
        outcome: 'success',
      });
    });

    it('revokes a delegation: no decision uses it after', async () => {
      const check = () =>
        server.authz.check(
          {
            subject: police.id,
            action: 'read',
            resource: 'civil-affairs/birth-records/b-1',
            purpose: 'case-handling',
            acr: 'substantial',
          },
          { clientId: 'test' },
        );
      expect((await check()).allowed).toBe(true);
      const a = await as(adminA);
      const page = await a.get(`${server.url}/console/delegations`);
      const revoked = await a.submit(
        page,
        { reason: 'agreement ended' },
        '/console/delegations/birth-records-police/revoke',
      );
      expect(new URL(revoked.url).search).toBe('?done=revoked&id=birth-records-police');
      expect(delegationRow(revoked.body, 'birth-records-police')).toContain('Revoked');
      expect((await check()).allowed).toBe(false);
      expect((await audited(server, 'authz.delegation_revoke', adminA.id))[0]).toMatchObject({
        outcome: 'success',
        reason: 'agreement ended',
      });
      expect((await audited(server, 'console.delegation_revoke', adminA.id))[0]).toMatchObject({
        outcome: 'success',
      });
    });

    it('shows a refused delegation in the form, with what was typed, and creates nothing', async () => {
      const a = await as(adminA);
      const page = await a.get(`${server.url}/console/delegations`);
      const refused = await createDelegation(a, page, { ...form('any-purpose'), purposes: '*' });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatch(/<div class="notice notice-error" role="alert" id="form-error"/);
      expect(refused.body).toContain('value="any-purpose"');
      await expect(server.authz.delegation('any-purpose')).rejects.toThrow();
      const badDate = await createDelegation(a, page, { ...form('bad-date'), expiresAt: '2026-02-30' });
      expect(badDate.status).toBe(400);
      expect(badDate.body).toContain('Enter dates as YYYY-MM-DD.');
      expect((await audited(server, 'console.delegation_create', adminA.id))[0]).toMatchObject({
        outcome: 'failure',
      });
    });

    it('refuses creating a delegation for a department the admin does not administer', async () => {
      const p = await as(policeAdmin);
      const page = await p.get(`${server.url}/console/delegations`);
      const refused = await createDelegation(p, page, form('not-mine'));
      expect(refused.status).toBe(403);
      await expect(server.authz.delegation('not-mine')).rejects.toThrow();
    });

    it('refuses a post without the form token, changing nothing', async () => {
      const a = await as(adminA);
      const res = await a.post(`${server.url}/console/delegations/police-marriages/revoke`, {});
      expect(res.status).toBe(403);
      expect((await server.authz.delegation('police-marriages')).status).toBe('approved');
    });

    it('shows a security officer every delegation, read-only', async () => {
      const page = await (await as(officer)).get(`${server.url}/console/delegations`);
      expect(page.body).toContain('data-delegation="police-marriages"');
      expect(page.body).not.toContain('/approve"');
      expect(page.body).not.toContain('/revoke"');
      expect(page.body).not.toContain('action="/console/delegations"');
    });

    it('speaks Chinese', async () => {
      // Another admin: an authenticator code is good for one sign-in only.
      const zhAdmin = await consoleAccount(server, 'admin.zheng', {
        roles: ['civil-affairs/department-admin'],
      });
      const page = await (await as(zhAdmin, 'zh-CN')).get(`${server.url}/console/delegations`);
      expect(page.body).toContain('即将到期');
      expect(page.body).toContain('新建委托');
    });
  });
});
