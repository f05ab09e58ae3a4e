/**
 * Signing out tells the browser to drop what it cached or stored for
 * OneGate's origin (ASVS 14.3.1), and expires OneGate's own cookies by name;
 * never the whole registrable domain's cookies, which sibling government
 * services share.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from './support/browser.ts';
import { startPlatform, type Platform } from './support/platform.ts';

const PASSWORD = 'correct horse battery staple 42';

describe('what a sign-out clears', () => {
  let platform: Platform;
  let config: oidc.Configuration;
  const redirectUri = 'http://127.0.0.1:9/records/callback';

  beforeAll(async () => {
    platform = await startPlatform('sqlite');
    const { client, clientSecret } = await platform.server.identity.clients.add({
      name: 'Records',
      redirectUris: [redirectUri],
      scopes: ['openid', 'profile'],
      firstParty: true,
    });
    config = await oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    await platform.server.identity.accounts.create({ username: 'li.wei', password: PASSWORD });
  });
  afterAll(() => platform?.stop());

  it('sends Clear-Site-Data for cache and storage, not for cookies, and the session is gone', async () => {
    const browser = new Browser();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const page = await browser.visit(url.toString(), redirectUri);
    expect(
      (await browser.submit(page, { username: 'li.wei', password: PASSWORD }, redirectUri)).redirected,
    ).toBe(true);

    const confirm = await browser.visit(`${platform.issuer}/session/end`);
    expect(confirm.headers?.get('clear-site-data')).toBeNull();
    const done = await browser.submit(confirm, { logout: 'yes' });
    expect(done.status).toBe(200);
    expect(done.headers?.get('clear-site-data')).toBe('"cache", "storage"');

    const again = await browser.visit(url.toString(), redirectUri);
    expect(again.redirected).toBe(false);
    expect(again.body).toContain('name="password"');
  });
});
