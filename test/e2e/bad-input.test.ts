import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from './support/browser.ts';
import { startPlatform, type Platform } from './support/platform.ts';

const PASSWORD = 'correct horse battery staple 42';

// One engine is enough here: these are protocol checks, not storage checks.
describe('bad input to the OIDC endpoints', () => {
  let platform: Platform;
  let clientId: string;
  let clientSecret: string;
  let config: oidc.Configuration;
  const redirectUri = 'http://127.0.0.1:9/app/callback';

  beforeAll(async () => {
    platform = await startPlatform('sqlite');
    const added = await platform.server.identity.clients.add({
      name: 'App',
      redirectUris: [redirectUri],
      firstParty: true,
    });
    clientId = added.client.clientId;
    clientSecret = added.clientSecret!;
    config = await oidc.discovery(new URL(platform.issuer), clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    await platform.server.identity.accounts.create({ username: 'li.wei', password: PASSWORD });
  });
  afterAll(() => platform?.stop());

  const authorize = (params: Record<string, string>) =>
    fetch(`${platform.issuer}/auth?${new URLSearchParams(params).toString()}`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });

  const token = (body: string | URLSearchParams, headers: Record<string, string> = {}) =>
    fetch(`${platform.issuer}/token`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        ...headers,
      },
    });

  const valid = {
    client_id: '',
    response_type: 'code',
    scope: 'openid',
    redirect_uri: redirectUri,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGUSbOVEYc',
    code_challenge_method: 'S256',
    state: 'abc',
  };

  it('shows an error page, never redirecting, for an unknown client or a redirect URI not registered exactly', async () => {
    for (const params of [
      { ...valid, client_id: 'no-such-client' },
      { ...valid, client_id: clientId, redirect_uri: 'https://evil.example/callback' },
      { ...valid, client_id: clientId, redirect_uri: `${redirectUri}/` },
      { ...valid, client_id: clientId, redirect_uri: `${redirectUri}?next=https://evil.example` },
    ]) {
      const res = await authorize(params);
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      const page = await res.text();
      expect(page).toMatch(/invalid_client|invalid_redirect_uri/);
      // The only trace of the request is our own relative language-switch link: no way out to it.
      expect(page).not.toMatch(/(href|action)="(https?:)?\/\/evil\.example/);
    }
  });

  it('refuses a code request without PKCE, with plain PKCE, or for the implicit flow', async () => {
    const cases: Array<Record<string, string>> = [
      { ...valid, client_id: clientId, code_challenge: '', code_challenge_method: '' },
      { ...valid, client_id: clientId, code_challenge_method: 'plain' },
      { ...valid, client_id: clientId, response_type: 'id_token', nonce: 'n' },
    ];
    for (const params of cases) {
      const entries = Object.entries(params).filter(([, v]) => v !== '');
      const res = await authorize(Object.fromEntries(entries));
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get('location')!);
      // Errors for a response type that would use the fragment come back in the fragment.
      const error = new URLSearchParams(location.search || location.hash.slice(1)).get('error');
      expect(error).toMatch(/invalid_request|unsupported_response_type/);
    }
  });

  it('answers malformed token requests with the RFC 6749 errors, never a 500', async () => {
    const cases: Array<[string | URLSearchParams, string]> = [
      ['grant_type=authorization_code', 'invalid_request'],
      ['grant_type=password&username=a&password=b', 'unsupported_grant_type'],
      [
        'grant_type=authorization_code&code=forged&redirect_uri=x&code_verifier=' + 'a'.repeat(43),
        'invalid_grant',
      ],
      ['%%%not-form-encoded', 'invalid_request'],
    ];
    for (const [body, error] of cases) {
      const res = await token(body);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(((await res.json()) as { error: string }).error).toBe(error);
    }
    const wrongSecret = await token('grant_type=client_credentials', {
      authorization: `Basic ${Buffer.from(`${clientId}:wrong`).toString('base64')}`,
    });
    expect(wrongSecret.status).toBe(401);
    expect(((await wrongSecret.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('refuses an oversized body with a 4xx', async () => {
    const res = await token(`grant_type=authorization_code&code=${'a'.repeat(2_000_000)}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('answers a JSON body that does not parse, on the routes the pages call, with a 400, never a 500', async () => {
    for (const path of [
      '/account/passkeys/options',
      '/account/passkeys',
      '/interaction/some-uid/passkey/options',
      '/interaction/some-uid/passkey',
    ]) {
      const res = await fetch(`${platform.issuer}${path}`, {
        method: 'POST',
        body: '{bad',
        headers: { 'content-type': 'application/json', origin: 'null' },
      });
      expect(res.status, path).toBe(400);
      expect(await res.json(), path).toMatchObject({ error: 'invalid_request' });
    }
  });

  /** Signs li.wei in with code + PKCE; the code the app got, and the token request that redeems it. */
  async function signedInCode(): Promise<{ code: string; redeem: () => URLSearchParams }> {
    const browser = new Browser();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 's',
    });
    const page = await browser.visit(url.toString(), redirectUri);
    const callback = await browser.submit(page, { username: 'li.wei', password: PASSWORD }, redirectUri);
    const code = new URL(callback.url).searchParams.get('code')!;
    const redeem = () =>
      new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      });
    return { code, redeem };
  }

  it('gives codes a minute, and refuses one past its time (ASVS 10.4.3)', async () => {
    const { code, redeem } = await signedInCode();
    const [row] = await platform.server.store.query<{ payload: string }>(
      "SELECT payload FROM oidc_payloads WHERE model = 'AuthorizationCode' AND id = $1",
      [code],
    );
    const { iat, exp } = JSON.parse(row!.payload) as { iat: number; exp: number };
    expect(exp - iat).toBe(60);
    // The minute passes (the clock is the database's expiry, as for every stored grant artefact).
    await platform.server.store.exec(
      "UPDATE oidc_payloads SET expires_at = $1 WHERE model = 'AuthorizationCode' AND id = $2",
      [Date.now() - 1, code],
    );
    const late = await token(redeem());
    expect(late.status).toBe(400);
    expect(((await late.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('redeems a code once: a replay fails and revokes what the first redemption issued', async () => {
    const { redeem: body } = await signedInCode();

    const first = (await (await token(body())).json()) as { access_token: string };
    expect(first.access_token).toBeTruthy();
    const replay = await token(body());
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');
    // RFC 6749 §4.1.2: a replayed code means it leaked, so what it already bought is revoked too.
    const userinfo = await fetch(`${platform.issuer}/me`, {
      headers: { authorization: `Bearer ${first.access_token}` },
    });
    expect(userinfo.status).toBe(401);
  });

  it('refuses a tampered access token at userinfo and reports it inactive at introspection', async () => {
    const browser = new Browser();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 's',
    });
    const page = await browser.visit(url.toString(), redirectUri);
    const callback = await browser.submit(page, { username: 'li.wei', password: PASSWORD }, redirectUri);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback.url), {
      pkceCodeVerifier: verifier,
      expectedState: 's',
    });
    const introspect = (token: string) =>
      fetch(`${platform.issuer}/token/introspection`, {
        method: 'POST',
        body: new URLSearchParams({ token }),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        },
      }).then((r) => r.json());
    expect(await introspect(tokens.access_token)).toMatchObject({ active: true, client_id: clientId });

    const tampered = `${tokens.access_token.slice(0, -4)}AAAA`;
    const userinfo = await fetch(`${platform.issuer}/me`, {
      headers: { authorization: `Bearer ${tampered}` },
    });
    expect(userinfo.status).toBe(401);
    expect(await introspect(tampered)).toEqual({ active: false });
  });
});
