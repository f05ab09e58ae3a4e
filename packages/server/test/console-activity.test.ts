import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toEventInput, type ComponentEvent } from '@onegate/audit';
import {
  consoleAccount,
  ConsoleBrowser,
  signInToConsole,
  startConsoleServer,
  type ConsoleAccount,
  type TestServer,
} from './console-support.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The numbers of one department's row in a chart's data table: 14 days, then the total. */
function tableRow(body: string, series: string, department: string): number[] {
  const section = new RegExp(`<section aria-labelledby="chart-${series}-heading"[\\s\\S]*?</section>`).exec(
    body,
  )?.[0];
  const row = new RegExp(`<th scope="row">${department}</th>([\\s\\S]*?)</tr>`).exec(section ?? '')?.[1];
  return [...(row ?? '').matchAll(/<td>(\d+)<\/td>/g)].map((m) => Number(m[1]));
}

function alertRows(body: string): string[] {
  return [...body.matchAll(/<tr data-alert="[^"]+">[\s\S]*?<\/tr>/g)].map((m) => m[0]);
}

describe('the console: activity overview', () => {
  let server: TestServer;
  let officer: ConsoleAccount;
  let admin: ConsoleAccount;
  let clerk: ConsoleAccount;
  let clerk2: ConsoleAccount;
  let police: ConsoleAccount;
  /** Noon (UTC) of the day the test plays "today": tomorrow, so every seeded event is later than the server's own. */
  const today = Math.floor(Date.now() / DAY) * DAY + DAY;
  const noon = today + 12 * HOUR;
  let officerPage: string;
  let adminPage: string;

  /** Appends `events` as OneGate's components would, at `ms` on the clock. */
  async function seed(ms: number, events: ComponentEvent[]): Promise<void> {
    vi.setSystemTime(ms);
    await server.audit.append(events.map(toEventInput), { clientId: 'onegate' });
  }
  const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));
  const decrypt = (actor: string): ComponentEvent => ({
    action: 'privacy.decrypt',
    outcome: 'success',
    actor,
    clientId: 'records-app',
    subject: 'resident-1',
    details: { purpose: 'case-handling', collection: 'civil-affairs/residents', row: 'r-1', field: 'name' },
  });
  const failure = (account: string, address: string): ComponentEvent => ({
    action: 'login',
    outcome: 'failure',
    subject: account,
    address,
    clientId: 'records-app',
    reason: 'wrong_password',
  });
  const signIn = (account: string): ComponentEvent => ({
    action: 'login',
    outcome: 'success',
    actor: account,
    subject: account,
    address: '192.0.2.1',
    clientId: 'records-app',
  });

  beforeAll(async () => {
    // Before the server starts: its services read the clock they were given, Date.now as it is then.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true, now: today - 28 * DAY });
    server = await startConsoleServer();
    officer = await consoleAccount(server, 'officer.zhao', { roles: ['onegate/security-officer'] });
    admin = await consoleAccount(server, 'admin.qian', { roles: ['civil-affairs/department-admin'] });
    clerk = await consoleAccount(server, 'clerk.wang', {
      roles: ['civil-affairs/clerk'],
      secondFactor: false,
    });
    clerk2 = await consoleAccount(server, 'clerk.chen', {
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
    await authz.createDelegation(
      {
        id: 'police-marriages',
        fromDepartment: 'civil-affairs',
        toDepartment: 'public-security',
        toRole: 'officer',
        resources: ['civil-affairs/marriage-records/*'],
        actions: ['read'],
        purposes: ['case-handling'],
        notBefore: today - 30 * DAY,
        expiresAt: today + 30 * DAY,
        reason: 'joint investigations',
      },
      'admin-one',
    );
    await authz.approveDelegation('police-marriages', 'admin-two');

    // The 27 days before today: clerk.wang decrypts 2 a day, clerk.chen 20; three days ago clerk.wang signs in twice.
    for (let d = 27; d >= 1; d--) {
      await seed(today - d * DAY + 10 * HOUR, [
        ...times(2, () => decrypt(clerk.id)),
        ...times(20, () => decrypt(clerk2.id)),
        ...(d === 3 ? times(2, () => signIn(clerk.id)) : []),
      ]);
    }
    // Today: 60 decrypts each for clerk.wang (30× their usual) and clerk.chen (3×), 49 for police.li (below 50).
    await seed(today + 8 * HOUR, [
      ...times(60, () => decrypt(clerk.id)),
      ...times(60, () => decrypt(clerk2.id)),
      ...times(49, () => decrypt(police.id)),
    ]);
    await seed(today + 9 * HOUR, [
      ...times(3, () => signIn(clerk.id)),
      signIn(police.id),
      signIn('citizen-1'),
    ]);
    // Ten failures for police.li from one address within ten minutes: a burst (account and address).
    for (let i = 0; i < 10; i++)
      await seed(today + 9 * HOUR + i * MINUTE, [failure(police.id, '203.0.113.7')]);
    // Nine failures for clerk.wang from nine addresses within 15 minutes: below the threshold.
    for (let i = 0; i < 9; i++) {
      await seed(today + 10 * HOUR + i * 100_000, [failure(clerk.id, `198.51.100.${i + 1}`)]);
    }
    vi.setSystemTime(today + 11 * HOUR);
    const check = (subject: string, resource: string, purpose: string) =>
      authz.check(
        { subject, action: 'read', resource, purpose, acr: 'substantial' },
        { clientId: 'records-app' },
      );
    for (let i = 0; i < 2; i++) await check(police.id, 'civil-affairs/marriage-records/m-1', 'curiosity');
    for (let i = 0; i < 3; i++) await check(clerk.id, 'public-security/cases/c-1', 'case-handling');

    vi.setSystemTime(noon);
    const asOfficer = new ConsoleBrowser();
    await signInToConsole(server, asOfficer, officer);
    officerPage = (await asOfficer.get(`${server.url}/console/activity`)).body;
    const asAdmin = new ConsoleBrowser();
    await signInToConsole(server, asAdmin, admin);
    adminPage = (await asAdmin.get(`${server.url}/console/activity`)).body;
  });
  afterAll(async () => {
    await server?.shutdown();
    vi.useRealTimers();
  });

  it('counts sign-ins per department per day, citizens apart', () => {
    const row = tableRow(officerPage, 'signIns', 'civil-affairs');
    expect(row).toHaveLength(15);
    expect(row[13]).toBe(3);
    expect(row[10]).toBe(2);
    expect(row[14]).toBe(5);
    expect(tableRow(officerPage, 'signIns', 'public-security')[13]).toBe(1);
    expect(tableRow(officerPage, 'signIns', 'No department')[13]).toBe(1);
  });

  it('counts failed sign-ins, denies and decrypts per department', () => {
    expect(tableRow(officerPage, 'signInFailures', 'public-security')[13]).toBe(10);
    expect(tableRow(officerPage, 'signInFailures', 'civil-affairs')[13]).toBe(9);
    expect(tableRow(officerPage, 'denies', 'civil-affairs')[13]).toBe(2);
    expect(tableRow(officerPage, 'denies', 'public-security')[13]).toBe(3);
    const decrypts = tableRow(officerPage, 'decrypts', 'civil-affairs');
    expect(decrypts[13]).toBe(169);
    expect(decrypts[12]).toBe(22);
    expect(decrypts[14]).toBe(169 + 13 * 22);
  });

  it('draws each count as an SVG chart with a title and description, no script', () => {
    const charts = [
      ...officerPage.matchAll(/<svg\s+class="chart"[^>]*role="img"[^>]*>\s*<title id="chart-(\w+)-title">/g),
    ];
    expect(charts.map((m) => m[1])).toEqual(['signIns', 'signInFailures', 'denies', 'decrypts']);
    expect(officerPage).toContain(
      '<desc id="chart-decrypts-desc">Decrypts of personal data per department per day',
    );
    expect(officerPage).not.toMatch(/<script(?![^>]*src="\/console\/assets\/)/);
  });

  it('flags the bursts, the spike and the purpose outside a delegation, and nothing below the thresholds', () => {
    const alerts = alertRows(officerPage);
    const of = (kind: string) => alerts.filter((a) => a.includes(`data-alert="${kind}"`));
    expect(of('sign_in_burst_account')).toHaveLength(1);
    expect(of('sign_in_burst_account')[0]).toContain(`10 failed sign-ins for account ${police.id}`);
    expect(of('sign_in_burst_address')).toHaveLength(1);
    expect(of('sign_in_burst_address')[0]).toContain('203.0.113.7');
    expect(of('decrypt_spike')).toHaveLength(1);
    expect(of('decrypt_spike')[0]).toContain(`${clerk.id} decrypted 60 records`);
    expect(of('decrypt_spike')[0]).toContain('their usual day is 2');
    expect(of('purpose_outside_delegation')).toHaveLength(1);
    expect(of('purpose_outside_delegation')[0]).toContain(
      `${police.id} was refused 2 time(s) to read civil-affairs/marriage-records/m-1 for purpose curiosity, which delegation police-marriages does not cover`,
    );
    expect(alerts.join('')).not.toContain(clerk2.id);
    expect(alerts.join('')).not.toContain('198.51.100.');
  });

  it("shows a department admin only their department's numbers and alerts", () => {
    expect(adminPage).toContain('Showing only your departments: civil-affairs.');
    expect(tableRow(adminPage, 'decrypts', 'civil-affairs')[13]).toBe(169);
    expect(tableRow(adminPage, 'signInFailures', 'public-security')).toEqual([]);
    const alerts = alertRows(adminPage).join('');
    expect(alerts).toContain('data-alert="decrypt_spike"');
    expect(alerts).toContain('data-alert="purpose_outside_delegation"');
    expect(alerts).not.toContain('data-alert="sign_in_burst');
  });

  it('audits each view', async () => {
    const { events } = await server.audit.query({ action: 'console.activity' });
    expect(events.map((e) => e.event.actor.id).sort()).toEqual([officer.id, admin.id].sort());
    expect(events.find((e) => e.event.actor.id === admin.id)?.event.details).toMatchObject({
      departments: ['civil-affairs'],
    });
  });
});
