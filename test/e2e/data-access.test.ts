import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '@onegate/store/testing';
import { auditRows } from './support/audit-rows.ts';
import { Browser, type Landing } from './support/browser.ts';
import { startPlatform, type Platform } from './support/platform.ts';

const PASSWORD = 'correct horse battery staple 42';

/**
 * "Who looked at my data" over HTTP: two citizens, accesses to each recorded
 * by OneGate (a decrypt) and by an app that knows the citizen only by its
 * pairwise `sub`; each citizen sees their own and nothing of the other's,
 * and can report one, which lands in the audit log for security officers.
 */
describe.each(engines)('who looked at my data on %s', (engine) => {
  let platform: Platform;
  let appId: string;
  const ids: Record<'li' | 'zhao' | 'clerk', string> = { li: '', zhao: '', clerk: '' };
  const redirectUri = 'http://127.0.0.1:9/app/callback';

  beforeAll(async () => {
    platform = await startPlatform(engine);
    const { identity, audit } = platform.server;
    // A pairwise app (the default): it knows each citizen by its own `sub` only.
    const { client, clientSecret } = await identity.clients.add({
      name: 'Tax Records',
      redirectUris: [redirectUri],
      department: 'tax-bureau',
      firstParty: true,
    });
    appId = client.clientId;
    ids.li = (await identity.accounts.create({ username: 'li.wei', password: PASSWORD })).id;
    ids.zhao = (await identity.accounts.create({ username: 'zhao.lei', password: PASSWORD })).id;
    ids.clerk = (
      await identity.accounts.create({ username: 'wang.fang', password: PASSWORD, name: '王芳' })
    ).id;
    const liAtTheApp = await pairwiseSub(client.clientId, clientSecret!, 'li.wei');
    expect(liAtTheApp).not.toBe(ids.li);

    const decrypt = (subject: string, row: string) =>
      audit.write({
        action: 'privacy.decrypt',
        outcome: 'success',
        actor: ids.clerk,
        clientId: appId,
        subject,
        details: { purpose: 'tax-assessment', collection: 'tax/returns', row, field: 'id_number' },
      });
    await decrypt(ids.li, 't-1');
    await decrypt(ids.zhao, 't-2');
    // The app's own event names li by the pairwise id it knows her by.
    await audit.append(
      [
        {
          actor: { type: 'user', id: ids.clerk },
          action: 'record.read',
          target: { resource: 'tax/returns/t-3/income', subject: liAtTheApp },
          outcome: 'success',
          purpose: 'tax-assessment',
        },
      ],
      { clientId: appId },
    );
    await audit.flush();
  });
  afterAll(() => platform?.stop());

  async function pairwiseSub(clientId: string, secret: string, username: string): Promise<string> {
    const config = await oidc.discovery(new URL(platform.issuer), clientId, secret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 's',
    });
    const browser = new Browser();
    const login = await browser.visit(url.toString(), redirectUri);
    let landing = await browser.submit(login, { username, password: PASSWORD }, redirectUri);
    // A first-party app asks no consent; should it, allow it.
    if (!landing.redirected) landing = await browser.submit(landing, {}, redirectUri);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(landing.url), {
      pkceCodeVerifier: verifier,
      expectedState: 's',
    });
    return tokens.claims()!.sub;
  }

  async function dataAccessPage(username: string): Promise<{ browser: Browser; page: Landing }> {
    const browser = new Browser();
    const login = await browser.visit(`${platform.issuer}/account/data-access`);
    const landed = await browser.submit(login, { username, password: PASSWORD });
    // Signing in from the page comes back to it, not to the account page.
    expect(new URL(landed.url).pathname).toBe('/account/data-access');
    return { browser, page: await browser.visit(`${platform.issuer}/account/data-access`) };
  }

  const reportable = (page: Landing) =>
    [...page.body.matchAll(/name="event" value="(\d+)"/g)].map((m) => Number(m[1]));

  it('shows each citizen the accesses to their own data, the official masked, and nothing of the other', async () => {
    const li = (await dataAccessPage('li.wei')).page;
    expect(li.status).toBe(200);
    expect(li.headers?.get('content-security-policy')).toContain("default-src 'none'");
    expect(reportable(li)).toHaveLength(2);
    expect(li.body).toContain('tax/returns/t-3/income');
    expect(li.body).toContain('tax/returns/t-1/id_number');
    expect(li.body).not.toContain('t-2');
    expect(li.body).toContain('Tax Records');
    expect(li.body).toContain('tax-bureau');
    expect(li.body).toContain('王* (wang.*** …');
    expect(li.body).not.toContain('王芳');
    expect(li.body).not.toContain(ids.clerk);
    // Her own sign-in is not an access by someone else.
    expect(li.body).not.toMatch(/>login</);

    const zhao = (await dataAccessPage('zhao.lei')).page;
    expect(reportable(zhao)).toHaveLength(1);
    expect(zhao.body).toContain('tax/returns/t-2/id_number');
    expect(zhao.body).not.toContain('t-1');
    expect(zhao.body).not.toContain('t-3');
  });

  it('links the page from the account page, and exports it as CSV', async () => {
    const { browser } = await dataAccessPage('li.wei');
    const account = await browser.visit(`${platform.issuer}/account`);
    expect(account.body).toContain('href="/account/data-access"');
    const csv = await browser.visit(`${platform.issuer}/account/data-access/export.csv`);
    expect(csv.headers?.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers?.get('content-disposition')).toContain('attachment');
    const lines = csv.body.trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(csv.body).toContain('tax/returns/t-3/income');
    expect(csv.body).not.toContain('t-2');
    // Reading the audit log is audited, the citizen's own page too; those reads are not listed as accesses.
    const reads = await auditRows(platform.server, 'account.data_access.export');
    expect(reads.map((r) => r.outcome)).toEqual(['success']);
    expect((await auditRows(platform.server, 'account.data_access.view')).length).toBeGreaterThan(0);
    expect(
      (await browser.visit(`${platform.issuer}/account/data-access/export.csv`)).body.trim().split('\r\n'),
    ).toHaveLength(3);
  });

  it('records a report of a suspicious access for security officers, and refuses one about someone else', async () => {
    const zhaoEvent = reportable((await dataAccessPage('zhao.lei')).page)[0]!;
    const { browser, page } = await dataAccessPage('li.wei');
    const [newest] = reportable(page);
    // The page's only forms are its report forms, one per access, in the order listed.
    const form = (index: number) => reportable(page).indexOf(index);

    const refused = await browser.submit(page, { event: String(zhaoEvent) }, undefined, form(newest!));
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('role="alert"');
    expect(await auditRows(platform.server, 'account.access_report')).toHaveLength(0);

    const forged = await browser.submit(page, { csrf: 'forged' }, undefined, form(newest!));
    expect(forged.status).toBe(403);

    const done = await browser.submit(
      page,
      { note: 'I never dealt with the tax bureau' },
      undefined,
      form(newest!),
    );
    expect(done.url).toBe(`${platform.issuer}/account/data-access?reported=1`);
    expect(done.body).toContain('Your report is recorded in the audit log');
    const reports = await auditRows(platform.server, 'account.access_report');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ actor: ids.li, subject: ids.li, outcome: 'success' });
    expect(JSON.parse(reports[0]!.details!)).toEqual({
      eventIndex: newest,
      note: 'I never dealt with the tax bureau',
    });
  });
});
