import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from './support/totp.ts';
import { engines } from '@onegate/store/testing';
import { Browser, type Landing } from './support/browser.ts';
import { startPlatform, type Platform } from './support/platform.ts';

const PASSWORD = 'correct horse battery staple 42';

describe.each(engines)('password and a second factor on %s', (engine) => {
  let platform: Platform;
  let config: oidc.Configuration;
  let secret: string;
  let verifiedSecret: string;
  let recoveryCodes: string[];
  const redirectUri = 'http://127.0.0.1:9/tax/callback';

  beforeAll(async () => {
    platform = await startPlatform(engine);
    const { identity } = platform.server;
    const { client, clientSecret } = await identity.clients.add({
      name: 'Tax',
      redirectUris: [redirectUri],
      firstParty: true,
    });
    config = await oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const account = await identity.accounts.create({ username: 'li.wei', password: PASSWORD });
    await identity.accounts.create({
      username: 'wang.fang',
      password: PASSWORD,
      identityAssurance: 'verified_in_person',
    });
    const wang = await identity.accounts.lookup('wang.fang');
    secret = (await identity.totp.begin(account.id, { account: 'li.wei', issuer: 'OneGate' })).secretBase32;
    expect((await identity.totp.activate(account.id, totp(secret, Date.now() - 30_000))).ok).toBe(true);
    verifiedSecret = (await identity.totp.begin(wang.id, { account: 'wang.fang', issuer: 'OneGate' }))
      .secretBase32;
    await identity.totp.activate(wang.id, totp(verifiedSecret, Date.now() - 30_000));
    recoveryCodes = await identity.recoveryCodes.regenerate(account.id);
  });
  afterAll(() => platform?.stop());

  async function start(browser: Browser, extra: Record<string, string> = {}) {
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 's',
      ...extra,
    });
    const landing = await browser.visit(url.toString(), redirectUri);
    const exchange = async (callback: Landing) =>
      (
        await oidc.authorizationCodeGrant(config, new URL(callback.url), {
          pkceCodeVerifier: verifier,
          expectedState: 's',
        })
      ).claims()!;
    return { landing, exchange };
  }

  it('asks for the authenticator code after the password and reaches substantial with pwd, otp, mfa', async () => {
    const browser = new Browser();
    const { landing, exchange } = await start(browser);
    const codePage = await browser.submit(landing, { username: 'li.wei', password: PASSWORD }, redirectUri);
    expect(codePage.redirected).toBe(false);
    expect(codePage.body).toContain('autocomplete="one-time-code"');
    const callback = await browser.submit(codePage, { code: totp(secret) }, redirectUri);
    const claims = await exchange(callback);
    expect(claims.acr).toBe('urn:onegate:acr:substantial');
    expect(claims['amr']).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('refuses a wrong code and the same code twice', async () => {
    const browser = new Browser();
    const { landing } = await start(browser);
    const codePage = await browser.submit(landing, { username: 'li.wei', password: PASSWORD });
    const wrong = await browser.submit(codePage, { code: '000000' === totp(secret) ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain('role="alert"');

    // A code that worked once is refused on its second use, even within its 30-second window.
    const code = totp(secret);
    const use = async () => {
      const other = new Browser();
      const { landing: login } = await start(other);
      const page = await other.submit(login, { username: 'li.wei', password: PASSWORD });
      return other.submit(page, { code }, redirectUri);
    };
    await use();
    const replayed = await use();
    expect(replayed.redirected).toBe(false);
    expect(replayed.status).toBe(401);
  });

  it('takes a recovery code once instead of the authenticator code', async () => {
    const use = async () => {
      const browser = new Browser();
      const { landing, exchange } = await start(browser);
      const codePage = await browser.submit(landing, { username: 'li.wei', password: PASSWORD });
      const result = await browser.submit(codePage, { code: recoveryCodes[0]!.toLowerCase() }, redirectUri);
      return result.redirected ? (await exchange(result)).acr : result.status;
    };
    expect(await use()).toBe('urn:onegate:acr:substantial');
    expect(await use()).toBe(401);
  });

  it('satisfies a step-up to substantial, and gives high to an identity verified in person', async () => {
    const browser = new Browser();
    const { landing, exchange } = await start(browser, { acr_values: 'urn:onegate:acr:high' });
    const codePage = await browser.submit(landing, { username: 'wang.fang', password: PASSWORD });
    const callback = await browser.submit(codePage, { code: totp(verifiedSecret) }, redirectUri);
    expect((await exchange(callback)).acr).toBe('urn:onegate:acr:high');
  });

  it('issues no code when the second step is skipped by posting to the consent step (ASVS 2.3.1)', async () => {
    const browser = new Browser();
    const { landing } = await start(browser);
    const codePage = await browser.submit(landing, { username: 'li.wei', password: PASSWORD });
    const skip = codePage.body.replace(/action="([^"]*)\/second-factor"/, 'action="$1/confirm"');
    const result = await browser.submit({ ...codePage, body: skip }, { decision: 'allow' }, redirectUri);
    expect(result.redirected).toBe(false);
    expect(result.status).toBe(400);
  });

  it('does not accept a code for an interaction whose password step never happened', async () => {
    const browser = new Browser();
    const { landing } = await start(browser);
    const form = landing.body.replace(/action="[^"]*\/login"/, (m) => m.replace('/login', '/second-factor'));
    const forged = await browser.submit({ ...landing, body: form }, { code: totp(secret) }, redirectUri);
    expect(forged.redirected).toBe(false);
    expect(forged.body).toContain('name="password"');
  });
});
