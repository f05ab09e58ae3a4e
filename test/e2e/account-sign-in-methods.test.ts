import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SoftAuthenticator } from '@onegate/identity/testing';
import { engines } from '@onegate/store/testing';
import { auditRows } from './support/audit-rows.ts';
import { Browser, type Landing } from './support/browser.ts';
import { startPlatform, type Platform } from './support/platform.ts';
import { LogoutReceiver } from './support/receiver.ts';

const PASSWORD = 'correct horse battery staple 42';
const NEW_PASSWORD = 'amber river seven crossing';
const WRONG = 'incorrect horse battery staple 43';

/**
 * The account page's password forms (change with the current one, remove
 * with a passkey to fall back on, set on a passkey-only account), the rule
 * that the last way to sign in stays, and ending the other sessions after a
 * change, over HTTP on each engine.
 */
describe.each(engines)('passwords and sign-in methods on the account page on %s', (engine) => {
  let platform: Platform;
  let app: { config: oidc.Configuration; clientId: string };
  const receiver = new LogoutReceiver();
  const redirectUri = 'http://127.0.0.1:9/tax/callback';
  let serial = 0;

  beforeAll(async () => {
    await receiver.start();
    platform = await startPlatform(engine);
    const { client, clientSecret } = await platform.server.identity.clients.add({
      name: 'Tax',
      redirectUris: [redirectUri],
      backchannelLogoutUri: receiver.url,
      firstParty: true,
    });
    app = {
      clientId: client.clientId,
      config: await oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
        execute: [oidc.allowInsecureRequests],
      }),
    };
  });
  afterAll(async () => {
    await platform?.stop();
    await receiver.stop();
  });

  const accountUrl = () => `${platform.issuer}/account`;

  async function newAccount(): Promise<{ id: string; username: string }> {
    serial += 1;
    const username = `citizen.${serial}`;
    const { id } = await platform.server.identity.accounts.create({ username, password: PASSWORD });
    return { id, username };
  }

  async function addPasskey(account: { id: string; username: string }): Promise<SoftAuthenticator> {
    const { passkeys } = platform.server.identity;
    const issuer = new URL(platform.issuer);
    const authenticator = new SoftAuthenticator({ rpId: issuer.hostname, origin: issuer.origin });
    const options = await passkeys.registrationOptions(account, 'setup');
    await passkeys.register(account.id, 'setup', authenticator.register(options), 'Laptop');
    return authenticator;
  }

  /** On a page offering the passkey (the second step after a password): answers it, follows on. */
  async function usePasskey(
    browser: Browser,
    page: Landing,
    authenticator: SoftAuthenticator,
  ): Promise<Landing> {
    expect(page.body).toContain('id="passkey-signin"');
    const attr = (name: string) => new RegExp(`data-${name}="([^"]+)"`).exec(page.body)![1]!;
    const csrf = { 'x-csrf-token': attr('csrf') };
    const options = await browser.postJson(
      new URL(attr('options-url'), platform.issuer).toString(),
      {},
      csrf,
    );
    const response = authenticator.authenticate(
      options.json as Parameters<SoftAuthenticator['authenticate']>[0],
    );
    const verified = await browser.postJson(
      new URL(attr('verify-url'), platform.issuer).toString(),
      { response },
      csrf,
    );
    expect(verified.status).toBe(200);
    return browser.visit((verified.json as { redirect: string }).redirect);
  }

  async function signInToAccount(browser: Browser, username: string, password = PASSWORD): Promise<Landing> {
    const login = await browser.visit(accountUrl());
    expect(login.body).toContain('name="password"');
    return browser.submit(login, { username, password });
  }

  /** Whether a new browser gets to the account page with this password. */
  async function passwordSignsIn(username: string, password: string): Promise<boolean> {
    const page = await signInToAccount(new Browser(), username, password);
    if (page.url !== accountUrl()) {
      expect(page.body).toContain('The username, phone number, e-mail or password is incorrect.');
    }
    return page.url === accountUrl();
  }

  /** Submits the page's form posting to `action`. */
  function post(browser: Browser, page: Landing, action: string, fields: Record<string, string> = {}) {
    return browser.submit(page, fields, undefined, formIndex(page, action));
  }

  /** A post to `action` with the page's token, whether or not the page offers that form. */
  function forge(browser: Browser, page: Landing, action: string): Promise<Landing> {
    const csrf = /name="csrf" value="([^"]*)"/.exec(page.body)![1]!;
    const body = `<form method="post" action="${action}"><input type="hidden" name="csrf" value="${csrf}" /></form>`;
    return browser.submit({ ...page, body }, {});
  }

  async function passwordHash(id: string): Promise<string | null> {
    const row = await platform.server.store.one<{ password_hash: string | null }>(
      'SELECT password_hash FROM accounts WHERE id = $1',
      [id],
    );
    return row.password_hash;
  }

  async function audits(subject: string, action: string) {
    return (await auditRows(platform.server, action))
      .filter((row) => row.subject === subject)
      .map(({ outcome, reason, details }) => ({ outcome, reason, details }));
  }

  it('changes the password with the current one: the old one then fails, the new one works, audited', async () => {
    const account = await newAccount();
    const browser = new Browser();
    const page = await signInToAccount(browser, account.username);
    expect(page.body).toMatch(/type="password"\s+id="current-password"[^>]*autocomplete="current-password"/);
    expect(page.body).toMatch(/type="password"\s+id="new-password"[^>]*autocomplete="new-password"/);

    const done = await post(browser, page, '/account/password', {
      current_password: PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(done.url).toBe(`${accountUrl()}?saved=method`);
    expect(await passwordSignsIn(account.username, PASSWORD)).toBe(false);
    expect(await passwordSignsIn(account.username, NEW_PASSWORD)).toBe(true);
    expect(await audits(account.id, 'account.password_change')).toEqual([
      { outcome: 'success', reason: null, details: null },
    ]);
  });

  it('refuses a wrong current password with an alert, keeps the hash, and counts it like a failed sign-in', async () => {
    const account = await newAccount();
    const browser = new Browser();
    const page = await signInToAccount(browser, account.username);
    const before = await passwordHash(account.id);

    const refused = await post(browser, page, '/account/password', {
      current_password: WRONG,
      new_password: NEW_PASSWORD,
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatch(/role="alert" id="password-error"><p>The current password is not correct/);
    expect(refused.body).toMatch(/id="current-password"[^>]*aria-invalid="true"/);
    expect(refused.body).not.toContain(WRONG);
    expect(await passwordHash(account.id)).toBe(before);
    expect(await audits(account.id, 'account.password_change')).toEqual([
      { outcome: 'failure', reason: 'wrong_password', details: null },
    ]);

    // Four more wrong guesses, then even the right password has to wait, here and at sign-in.
    for (let i = 0; i < 4; i++) {
      await post(browser, page, '/account/password', { current_password: WRONG, new_password: NEW_PASSWORD });
    }
    const waiting = await post(browser, page, '/account/password', {
      current_password: PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(waiting.status).toBe(429);
    expect(Number(waiting.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(waiting.body).toMatch(/role="alert" id="password-error"><p>Too many sign-in attempts/);
    expect(await passwordHash(account.id)).toBe(before);
    expect((await audits(account.id, 'account.password_change')).at(-1)).toMatchObject({
      outcome: 'denied',
      reason: 'account_delay',
    });
    const login = await signInToAccount(new Browser(), account.username);
    expect(login.body).toContain('Too many sign-in attempts');
  });

  it('refuses a new password the policy refuses, saying why, and changes nothing', async () => {
    const account = await newAccount();
    const browser = new Browser();
    const page = await signInToAccount(browser, account.username);
    const before = await passwordHash(account.id);
    const refused = await post(browser, page, '/account/password', {
      current_password: PASSWORD,
      new_password: `i am ${account.username}`,
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('The new password cannot be used:');
    expect(refused.body).toContain('it contains your username, e-mail address or phone number');
    expect(refused.body).toMatch(/id="new-password"[^>]*aria-invalid="true"/);
    expect(await passwordHash(account.id)).toBe(before);
    expect(await audits(account.id, 'account.password_change')).toEqual([
      { outcome: 'failure', reason: 'password_policy', details: null },
    ]);
  });

  it('does not remove the password of an account without a passkey', async () => {
    const account = await newAccount();
    const browser = new Browser();
    const page = await signInToAccount(browser, account.username);
    expect(page.body).not.toContain('action="/account/password/remove"');
    const before = await passwordHash(account.id);

    const refused = await forge(browser, page, '/account/password/remove');
    expect(refused.status).toBe(409);
    expect(refused.body).toContain(
      'role="alert"><p>Your password is the only way to sign in to your account, so it was not removed.',
    );
    expect(await passwordHash(account.id)).toBe(before);
    expect(await passwordSignsIn(account.username, PASSWORD)).toBe(true);
    expect(await audits(account.id, 'account.password_remove')).toEqual([
      { outcome: 'failure', reason: 'last_method', details: null },
    ]);
  });

  it('removes the password when there is a passkey, then keeps the last passkey, and sets a password again', async () => {
    const account = await newAccount();
    const authenticator = await addPasskey(account);
    const browser = new Browser();
    const page = await signInToAccount(browser, account.username);

    // The password alone (a stolen one) does not get to change how an account with a passkey signs in:
    // no new passkey of the thief's (ASVS 7.5.1), no password removed.
    const csrf = /data-csrf="([^"]+)"/.exec(page.body)![1]!;
    const thiefsPasskey = await browser.postJson(
      `${platform.issuer}/account/passkeys/options`,
      {},
      { 'x-csrf-token': csrf },
    );
    expect(thiefsPasskey).toMatchObject({ status: 403, json: { error: 'fresh_sign_in_required' } });
    const stepUp = await post(browser, page, '/account/password/remove');
    expect(stepUp.body).toContain('name="password"');
    expect(await passwordHash(account.id)).not.toBe(null);
    const withPasskey = await usePasskey(
      browser,
      await browser.submit(stepUp, { username: account.username, password: PASSWORD }),
      authenticator,
    );
    expect(withPasskey.url).toBe(accountUrl());

    const removed = await post(browser, withPasskey, '/account/password/remove');
    expect(removed.url).toBe(`${accountUrl()}?saved=method`);
    expect(await passwordHash(account.id)).toBe(null);
    expect(removed.body).toContain('Your account has no password: you sign in with a passkey.');
    expect(removed.body).not.toContain('current-password');
    expect(await passwordSignsIn(account.username, PASSWORD)).toBe(false);
    expect((await audits(account.id, 'login')).at(-1)).toMatchObject({
      outcome: 'failure',
      reason: 'no_password',
    });

    const kept = await post(browser, removed, '/account/passkeys/remove');
    expect(kept.status).toBe(409);
    expect(kept.body).toContain(
      'role="alert"><p>This passkey is the only way left to sign in to your account, so it was not removed.',
    );
    expect(kept.body).toContain('<strong>Laptop</strong>');
    expect(await platform.server.identity.passkeys.count(account.id)).toBe(1);

    const tooShort = await post(browser, kept, '/account/password/set', { new_password: 'short' });
    expect(tooShort.status).toBe(400);
    expect(tooShort.body).toContain('it has fewer than 12 characters');
    expect(await passwordHash(account.id)).toBe(null);
    const set = await post(browser, tooShort, '/account/password/set', { new_password: NEW_PASSWORD });
    expect(set.url).toBe(`${accountUrl()}?saved=method`);
    expect(await passwordSignsIn(account.username, NEW_PASSWORD)).toBe(true);

    expect(await audits(account.id, 'account.password_remove')).toEqual([
      { outcome: 'success', reason: null, details: null },
    ]);
    expect(await audits(account.id, 'account.passkey_remove')).toEqual([
      { outcome: 'failure', reason: 'last_method', details: null },
    ]);
    expect(await audits(account.id, 'account.password_set')).toEqual([
      { outcome: 'failure', reason: 'password_policy', details: null },
      { outcome: 'success', reason: null, details: null },
    ]);
  });

  it('asks for a recent sign-in before removing the password, but not before changing it', async () => {
    const account = await newAccount();
    await addPasskey(account);
    const browser = new Browser();
    const page = await signInToAccount(browser, account.username);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 6 * 60_000 });
    try {
      const remove = await post(browser, page, '/account/password/remove');
      expect(remove.body).toContain('name="password"');
      expect(await passwordHash(account.id)).not.toBe(null);
      const change = await post(browser, page, '/account/password', {
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
      });
      expect(change.url).toBe(`${accountUrl()}?saved=method`);
    } finally {
      vi.useRealTimers();
    }
  });

  it('after a change, signs out every other session with back-channel logout, but not this one', async () => {
    const account = await newAccount();
    // The phone signs in at the app; the laptop opens the account page.
    const phone = new Browser();
    const authorize = async (extra: Record<string, string> = {}) =>
      oidc
        .buildAuthorizationUrl(app.config, {
          redirect_uri: redirectUri,
          scope: 'openid',
          code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
          state: 's',
          ...extra,
        })
        .toString();
    const login = await phone.visit(await authorize(), redirectUri);
    await phone.submit(login, { username: account.username, password: PASSWORD }, redirectUri);
    const laptop = new Browser();
    const page = await signInToAccount(laptop, account.username);
    expect(page.body).not.toContain('action="/account/sessions/sign-out-others"');

    const changed = await post(laptop, page, '/account/password', {
      current_password: PASSWORD,
      new_password: NEW_PASSWORD,
    });
    expect(changed.body).toContain('sign out of your other sessions too.');
    expect(changed.body).toContain('Sign out of your other sessions');

    const forged = changed.body.replace(/name="csrf" value="[^"]*"/g, 'name="csrf" value="forged"');
    const refused = await post(laptop, { ...changed, body: forged }, '/account/sessions/sign-out-others');
    expect(refused.status).toBe(403);
    expect(receiver.tokens).toHaveLength(0);

    const done = await post(laptop, changed, '/account/sessions/sign-out-others');
    expect(done.url).toBe(`${accountUrl()}?saved=1`);
    expect(receiver.tokens).toHaveLength(1);
    const [, payload] = receiver.tokens[0]!.split('.');
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toMatchObject({ aud: app.clientId });

    const phoneAgain = await phone.visit(await authorize({ prompt: 'none' }), redirectUri);
    expect(new URL(phoneAgain.url).searchParams.get('error')).toBe('login_required');
    expect((await laptop.visit(accountUrl())).url).toBe(accountUrl());
    const [event] = await audits(account.id, 'account.sign_out_others');
    expect(event).toMatchObject({ outcome: 'success' });
    expect(JSON.parse(event!.details!)).toEqual({ sessions: 1, apps: [app.clientId] });
  });
});

function formIndex(page: Landing, action: string): number {
  const actions = [...page.body.matchAll(/<form[^>]*action="([^"]*)"/g)].map((m) => m[1]);
  const index = actions.indexOf(action);
  if (index < 0) throw new Error(`no form for ${action} in ${actions.join(', ')}`);
  return index;
}
