/**
 * The `claims` parameter (OIDC Core 5.5) asks for claims one by one. It must
 * not reach past the scopes an app is registered for, nor past what the
 * consent page showed (ASVS 8.2.3, 10.4.11, 10.7.2).
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, type Landing } from './support/browser.ts';
import { startPlatform, type Platform } from './support/platform.ts';

const PASSWORD = 'correct horse battery staple 42';
const PHONE = '13800138000';

/** Everything personal, in both places a claim can be asked for. */
const ASK_FOR_EVERYTHING = JSON.stringify({
  id_token: {
    phone_number: { essential: true },
    email: null,
    identity_assurance: null,
    departments: null,
    acr: { essential: true, values: ['urn:onegate:acr:low'] },
  },
  userinfo: { phone_number: null, email: null, identity_assurance: null, departments: null },
});

interface App {
  config: oidc.Configuration;
  redirectUri: string;
}

describe('claims asked for one by one', () => {
  let platform: Platform;

  async function register(name: string, scopes: string[], firstParty: boolean): Promise<App> {
    const redirectUri = `http://127.0.0.1:9/${name}/callback`;
    const { client, clientSecret } = await platform.server.identity.clients.add({
      name,
      redirectUris: [redirectUri],
      scopes,
      firstParty,
    });
    const config = await oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    return { config, redirectUri };
  }

  /** Signs in with `claims`; returns the consent page (if any) and how to finish. */
  async function signIn(app: App, claims: string) {
    const browser = new Browser();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(app.config, {
      redirect_uri: app.redirectUri,
      scope: 'openid',
      claims,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const login = await browser.visit(url.toString(), app.redirectUri);
    expect(login.body).toContain('name="password"');
    const after = await browser.submit(login, { username: 'li.wei', password: PASSWORD }, app.redirectUri);
    const finish = async (page: Landing) => {
      const callback = page.redirected
        ? page
        : await browser.submit(page, { decision: 'allow' }, app.redirectUri);
      expect(callback.redirected).toBe(true);
      const tokens = await oidc.authorizationCodeGrant(app.config, new URL(callback.url), {
        pkceCodeVerifier: verifier,
        expectedState: state,
      });
      const idToken = tokens.claims()!;
      const userinfo = await oidc.fetchUserInfo(app.config, tokens.access_token, idToken.sub);
      return { idToken, userinfo };
    };
    return { consent: after, finish };
  }

  beforeAll(async () => {
    platform = await startPlatform('sqlite');
    await platform.server.identity.accounts.create({
      username: 'li.wei',
      password: PASSWORD,
      name: 'Li Wei',
      phone: '+86 138 0013 8000',
      email: 'li.wei@example.cn',
      departments: [{ department: 'civil-affairs', role: 'clerk' }],
      identityAssurance: 'verified_in_person',
    });
  });

  afterAll(() => platform?.stop());

  it('gives an app registered for profile none of the claims of other scopes, and shows none on the consent page', async () => {
    const app = await register('records', ['openid', 'profile'], false);
    const { consent, finish } = await signIn(app, ASK_FOR_EVERYTHING);
    expect(consent.body).toContain('name="decision"');
    for (const text of ['phone number', 'e-mail', 'identity has been verified', 'departments']) {
      expect(consent.body).not.toContain(text);
    }
    const { idToken, userinfo } = await finish(consent);
    for (const released of [idToken, userinfo]) {
      expect(released).not.toHaveProperty('phone_number');
      expect(released).not.toHaveProperty('email');
      expect(released).not.toHaveProperty('identity_assurance');
      expect(released).not.toHaveProperty('departments');
    }
    // What the protocol needs still comes: the sign-in's level, asked for through the same parameter.
    expect(idToken.acr).toBe('urn:onegate:acr:low');
  });

  it('gives a first-party app (no consent page) nothing past its registration either', async () => {
    const app = await register('portal', ['openid', 'profile'], true);
    const { consent, finish } = await signIn(app, ASK_FOR_EVERYTHING);
    expect(consent.redirected).toBe(true);
    const { idToken, userinfo } = await finish(consent);
    for (const released of [idToken, userinfo]) {
      expect(released).not.toHaveProperty('phone_number');
      expect(released).not.toHaveProperty('email');
      expect(released).not.toHaveProperty('identity_assurance');
    }
  });

  it('releases a claim of a scope the app is registered for, once the consent page has named it', async () => {
    const app = await register('mobile', ['openid', 'phone'], false);
    const { consent, finish } = await signIn(app, ASK_FOR_EVERYTHING);
    expect(consent.body).toContain('See your phone number');
    expect(consent.body).not.toContain('See your e-mail address');
    const { idToken, userinfo } = await finish(consent);
    expect(idToken['phone_number']).toBe(PHONE);
    expect(userinfo['phone_number']).toBe(PHONE);
    expect(idToken).not.toHaveProperty('email');
    expect(userinfo).not.toHaveProperty('email');
  });
});
