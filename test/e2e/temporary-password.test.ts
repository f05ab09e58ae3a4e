/**
 * A password an operator set is temporary (ASVS 6.4.1): it works for a day,
 * and only for the person to choose their own at the first sign-in, before
 * any second factor or consent.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '@onegate/store/testing';
import { auditRows } from './support/audit-rows.ts';
import { Browser, type Landing } from './support/browser.ts';
import { startPlatform, type Platform } from './support/platform.ts';
import { totp } from './support/totp.ts';

const TEMPORARY = 'handed over at the counter 7';
const OWN = 'only li wei knows this one';

describe.each(engines)('temporary passwords on %s', (engine) => {
  let platform: Platform;
  let config: oidc.Configuration;
  const redirectUri = 'http://127.0.0.1:9/records/callback';

  beforeAll(async () => {
    platform = await startPlatform(engine);
    const { client, clientSecret } = await platform.server.identity.clients.add({
      name: 'Records',
      redirectUris: [redirectUri],
      scopes: ['openid', 'profile'],
      firstParty: true,
    });
    config = await oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  });

  afterAll(() => platform?.stop());

  async function signIn(browser: Browser, username: string, password: string): Promise<Landing> {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const page = await browser.visit(url.toString(), redirectUri);
    expect(page.body).toContain('name="password"');
    return browser.submit(page, { username, password }, redirectUri);
  }

  it('asks for a password of their own before the sign-in goes on, and the temporary one is gone', async () => {
    const account = await platform.server.identity.accounts.create({
      username: 'li.wei',
      password: TEMPORARY,
      temporaryPassword: true,
    });
    const browser = new Browser();
    const page = await signIn(browser, 'li.wei', TEMPORARY);
    expect(page.redirected).toBe(false);
    expect(page.body).toContain('Choose your own password');
    expect(page.body).toMatch(/action="\/interaction\/[^"]+\/new-password"/);

    // Not past this step by the second-factor form, which has nothing to answer for this interaction.
    const uid = /\/interaction\/([^/"]+)\/new-password/.exec(page.body)![1]!;
    const skipped = await browser.submit(
      { ...page, body: page.body.replace('/new-password"', '/second-factor"') },
      { code: '123456' },
    );
    expect(skipped.url).toContain(`/interaction/${uid}/second-factor`);
    expect(skipped.body).not.toContain('Choose your own password');
    expect(skipped.redirected).toBe(false);

    const mismatch = await browser.submit(page, { new_password: OWN, repeat_password: `${OWN}!` });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toContain('The two new passwords are not the same.');
    const same = await browser.submit(page, { new_password: TEMPORARY, repeat_password: TEMPORARY });
    expect(same.status).toBe(400);
    expect(same.body).toContain('must not be the temporary one');
    const weak = await browser.submit(page, { new_password: 'li.wei2026', repeat_password: 'li.wei2026' });
    expect(weak.status).toBe(400);
    expect(weak.body).toContain('The new password cannot be used');

    const done = await browser.submit(page, { new_password: OWN, repeat_password: OWN }, redirectUri);
    expect(done.redirected).toBe(true);
    expect(new URL(done.url).searchParams.get('code')).toBeTruthy();

    const [changed] = await auditRows(platform.server, 'account.password_change');
    expect(changed).toMatchObject({
      outcome: 'success',
      actor: account.id,
      reason: 'temporary_password_replaced',
    });
    expect((await signIn(new Browser(), 'li.wei', TEMPORARY)).status).toBe(401);
    expect((await signIn(new Browser(), 'li.wei', OWN)).redirected).toBe(true);
  });

  it('no longer signs in once its day is over', async () => {
    const account = await platform.server.identity.accounts.create({
      username: 'zhang.min',
      password: TEMPORARY,
      temporaryPassword: true,
    });
    await platform.server.store.exec('UPDATE accounts SET password_expires_at = $1 WHERE id = $2', [
      Date.now() - 1,
      account.id,
    ]);
    const page = await signIn(new Browser(), 'zhang.min', TEMPORARY);
    expect(page.status).toBe(401);
    expect(page.body).toContain('This temporary password has expired');
    const failures = (await auditRows(platform.server, 'login')).filter((r) => r.subject === account.id);
    expect(failures.map((r) => [r.outcome, r.reason])).toEqual([['failure', 'temporary_password_expired']]);
  });

  it('comes before the second factor, and an operator reset makes the password temporary again', async () => {
    const account = await platform.server.identity.accounts.create({ username: 'wang.fang', password: OWN });
    const { totp: factors } = platform.server.identity;
    const secret = (await factors.begin(account.id, { account: 'wang.fang', issuer: 'OneGate' }))
      .secretBase32;
    expect((await factors.activate(account.id, totp(secret))).ok).toBe(true);
    await platform.server.identity.accounts.resetPassword(account.id, TEMPORARY);

    const browser = new Browser();
    const page = await signIn(browser, 'wang.fang', TEMPORARY);
    expect(page.body).toContain('Choose your own password');
    const next = await browser.submit(page, { new_password: `${OWN} too`, repeat_password: `${OWN} too` });
    expect(next.body).toContain('name="code"');
    const done = await browser.submit(next, { code: totp(secret, Date.now() + 30_000) }, redirectUri);
    expect(done.redirected).toBe(true);
  });
});
