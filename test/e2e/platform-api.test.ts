import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '@onegate/store/testing';
import { startPlatform, type Platform } from './support/platform.ts';

describe.each(engines)('platform API tokens on %s', (engine) => {
  let platform: Platform;
  let admin: oidc.Configuration;
  let auditor: oidc.Configuration;

  async function service(name: string, scopes: string[]): Promise<oidc.Configuration> {
    const { client, clientSecret } = await platform.server.identity.clients.add({ name, scopes });
    return oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
  }

  const api = (path: string, token?: string, init: RequestInit = {}) =>
    fetch(`${platform.issuer}${path}`, {
      ...init,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    });

  beforeAll(async () => {
    // One app on the government network that back-channel logout may reach.
    platform = await startPlatform(engine, { ONEGATE_OUTBOUND_ALLOW_HOSTS: '10.20.0.5:8443' });
    admin = await service('Records backend admin', ['admin']);
    auditor = await service('Records backend', ['audit:write', 'authz:check']);
  });
  afterAll(() => platform?.stop());

  it('issues a JWT access token for the platform resource with the client credentials grant', async () => {
    const tokens = await oidc.clientCredentialsGrant(auditor, { scope: 'audit:write' });
    const [header, payload] = tokens.access_token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload).toMatchObject({
      iss: platform.issuer,
      aud: `${platform.issuer}/api/v1`,
      scope: 'audit:write',
    });
  });

  it('refuses scopes the service was not registered for', async () => {
    await expect(oidc.clientCredentialsGrant(auditor, { scope: 'admin' })).rejects.toMatchObject({
      error: 'invalid_scope',
    });
  });

  it('lets an admin token call /api/v1/admin and creates a client that can then get tokens', async () => {
    const { access_token } = await oidc.clientCredentialsGrant(admin, { scope: 'admin' });
    const created = await api('/api/v1/admin/clients', access_token, {
      method: 'POST',
      body: JSON.stringify({ name: 'Health records', scopes: ['audit:write'] }),
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { client_id: string; client_secret: string };
    expect(body.client_secret).toBeTruthy();
    const listed = (await (await api('/api/v1/admin/clients', access_token)).json()) as {
      clients: Array<{ clientId: string }>;
    };
    expect(listed.clients.map((c) => c.clientId)).toContain(body.client_id);
    expect(JSON.stringify(listed)).not.toContain(body.client_secret);
  });

  it('answers 403 insufficient_scope to a valid token without the admin scope', async () => {
    const { access_token } = await oidc.clientCredentialsGrant(auditor, { scope: 'audit:write' });
    const res = await api('/api/v1/admin/clients', access_token);
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
    expect(await res.json()).toMatchObject({ error: 'insufficient_scope' });
  });

  it('answers 401 invalid_token to no token, a tampered token and a token that is not an access token', async () => {
    expect((await api('/api/v1/admin/clients')).status).toBe(401);
    const { access_token } = await oidc.clientCredentialsGrant(admin, { scope: 'admin' });
    const [h, p, s] = access_token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...payload, scope: 'admin authz:admin' })).toString(
      'base64url',
    );
    for (const token of [`${h}.${forged}.${s}`, `${access_token.slice(0, -4)}AAAA`, 'not-a-jwt']) {
      const res = await api('/api/v1/admin/clients', token);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'invalid_token' });
    }
  });

  it('stops accepting tokens of a client once it is disabled', async () => {
    const { client, clientSecret } = await platform.server.identity.clients.add({
      name: 'Soon gone',
      scopes: ['admin'],
    });
    const config = await oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const { access_token } = await oidc.clientCredentialsGrant(config, { scope: 'admin' });
    expect((await api('/api/v1/admin/clients', access_token)).status).toBe(200);
    await platform.server.identity.clients.setDisabled(client.clientId, true);
    expect((await api('/api/v1/admin/clients', access_token)).status).toBe(401);
    await expect(oidc.clientCredentialsGrant(config, { scope: 'admin' })).rejects.toMatchObject({
      error: 'invalid_client',
    });
  });

  it('refuses an old secret at once after rotation, and a disabled client, however often they were used', async () => {
    const { client, clientSecret } = await platform.server.identity.clients.add({
      name: 'Busy service',
      scopes: ['audit:write'],
    });
    const configWith = (secret: string) =>
      oidc.discovery(new URL(platform.issuer), client.clientId, secret, undefined, {
        execute: [oidc.allowInsecureRequests],
      });
    const old = await configWith(clientSecret!);
    // Several grants first: whatever the server keeps of a busy client must not outlive a change.
    for (let i = 0; i < 3; i++) await oidc.clientCredentialsGrant(old, { scope: 'audit:write' });
    const rotated = await platform.server.identity.clients.rotateSecret(client.clientId);
    await expect(oidc.clientCredentialsGrant(old, { scope: 'audit:write' })).rejects.toMatchObject({
      error: 'invalid_client',
    });
    const current = await configWith(rotated.clientSecret!);
    for (let i = 0; i < 3; i++) await oidc.clientCredentialsGrant(current, { scope: 'audit:write' });
    await platform.server.identity.clients.setDisabled(client.clientId, true);
    await expect(oidc.clientCredentialsGrant(current, { scope: 'audit:write' })).rejects.toMatchObject({
      error: 'invalid_client',
    });
    await platform.server.identity.clients.setDisabled(client.clientId, false);
    expect((await oidc.clientCredentialsGrant(current, { scope: 'audit:write' })).access_token).toBeTruthy();
  });

  it('answers malformed admin requests with 400 and changes nothing', async () => {
    const { access_token } = await oidc.clientCredentialsGrant(admin, { scope: 'admin' });
    const before = (
      (await (await api('/api/v1/admin/clients', access_token)).json()) as { clients: unknown[] }
    ).clients.length;
    const cases: Array<[string, string]> = [
      ['not json', '{"name": '],
      ['unknown field', JSON.stringify({ name: 'x', evil: true })],
      ['bad redirect', JSON.stringify({ name: 'x', redirect_uris: ['javascript:alert(1)'] })],
      ['oversized', JSON.stringify({ name: 'x'.repeat(70_000) })],
    ];
    for (const [, body] of cases) {
      const res = await api('/api/v1/admin/clients', access_token, { method: 'POST', body });
      expect([400, 413]).toContain(res.status);
      expect(((await res.json()) as { error: string }).error).toMatch(/invalid_request|client_invalid/);
    }
    const after = (
      (await (await api('/api/v1/admin/clients', access_token)).json()) as { clients: unknown[] }
    ).clients.length;
    expect(after).toBe(before);
  });

  // ASVS 1.3.6: OneGate POSTs logout tokens to this URI itself, so an app must not aim it inside the network.
  it('refuses a back-channel logout URI on a special-use address with 400 naming it, storing nothing', async () => {
    const { access_token } = await oidc.clientCredentialsGrant(admin, { scope: 'admin' });
    const count = async () =>
      ((await (await api('/api/v1/admin/clients', access_token)).json()) as { clients: unknown[] }).clients
        .length;
    const before = await count();
    const app = { name: 'Pension portal', redirect_uris: ['https://pension.example.gov.cn/cb'] };
    for (const uri of [
      'http://169.254.169.254/',
      'https://169.254.169.254/latest/meta-data/',
      'https://0xA9FEA9FE/',
      'https://[::ffff:169.254.169.254]/',
      'https://10.0.0.1:6379/',
      'https://10.20.0.5:6379/',
      'https://192.168.1.1/',
      'https://[fd00::1]/',
      // Loopback itself is allowed here: the platform runs in development.
      'https://app.localhost/',
    ]) {
      const res = await api('/api/v1/admin/clients', access_token, {
        method: 'POST',
        body: JSON.stringify({ ...app, backchannel_logout_uri: uri }),
      });
      expect(res.status, uri).toBe(400);
      const body = (await res.json()) as { error: string; error_description: string };
      expect(body.error, uri).toBe('client_invalid');
      expect(body.error_description, uri).toMatch(/^back-channel logout URI must/);
    }
    expect(await count()).toBe(before);

    // Nor by an update: the stored URI stays.
    const created = await api('/api/v1/admin/clients', access_token, {
      method: 'POST',
      body: JSON.stringify({ ...app, backchannel_logout_uri: 'https://pension.example.gov.cn/logout' }),
    });
    expect(created.status).toBe(201);
    const { client_id } = (await created.json()) as { client_id: string };
    const patched = await api(`/api/v1/admin/clients/${client_id}`, access_token, {
      method: 'PATCH',
      body: JSON.stringify({ backchannel_logout_uri: 'https://169.254.169.254/' }),
    });
    expect(patched.status).toBe(400);
    const shown = (await (await api(`/api/v1/admin/clients/${client_id}`, access_token)).json()) as {
      client: { backchannelLogoutUri: string };
    };
    expect(shown.client.backchannelLogoutUri).toBe('https://pension.example.gov.cn/logout');
  });

  it('takes a back-channel logout URI on a private host the operator allowed', async () => {
    const { access_token } = await oidc.clientCredentialsGrant(admin, { scope: 'admin' });
    const res = await api('/api/v1/admin/clients', access_token, {
      method: 'POST',
      body: JSON.stringify({
        name: 'Housing intranet',
        redirect_uris: ['https://housing.example.gov.cn/cb'],
        backchannel_logout_uri: 'https://10.20.0.5:8443/logout',
      }),
    });
    expect(res.status).toBe(201);
    expect(
      ((await res.json()) as { client: { backchannelLogoutUri: string } }).client.backchannelLogoutUri,
    ).toBe('https://10.20.0.5:8443/logout');
  });

  it('takes no other URL the server would fetch: jwks_uri, sector_identifier_uri, request_uris', async () => {
    // Registration has no such fields, so oidc-provider never fetches a URL an admin or app chose but the above.
    const { access_token } = await oidc.clientCredentialsGrant(admin, { scope: 'admin' });
    for (const [field, value] of [
      ['jwks_uri', 'http://10.0.0.1:6379/'],
      ['sector_identifier_uri', 'https://169.254.169.254/'],
      ['request_uris', ['https://169.254.169.254/']],
    ] as const) {
      const res = await api('/api/v1/admin/clients', access_token, {
        method: 'POST',
        body: JSON.stringify({ name: 'x', redirect_uris: ['https://x.example.gov.cn/cb'], [field]: value }),
      });
      expect(res.status, field).toBe(400);
      expect(((await res.json()) as { error: string }).error, field).toBe('invalid_request');
    }
  });
});

describe('the admin accounts API', () => {
  let platform: Platform;
  let token: string;

  beforeAll(async () => {
    platform = await startPlatform('sqlite');
    const { client, clientSecret } = await platform.server.identity.clients.add({
      name: 'admin',
      scopes: ['admin'],
    });
    const config = await oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    token = (await oidc.clientCredentialsGrant(config, { scope: 'admin' })).access_token;
  });
  afterAll(() => platform?.stop());

  const call = (path: string, method = 'GET', body?: unknown) =>
    fetch(`${platform.issuer}/api/v1/admin/accounts${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('creates an account whose password then signs in, and lists it with personal data masked', async () => {
    const created = await call('', 'POST', {
      username: 'zhang.min',
      password: 'a long passphrase 2026',
      phone: '+86 139 0000 1234',
      email: 'zhang.min@example.cn',
      id_number: '11010519491231002x',
    });
    expect(created.status).toBe(201);
    const { account } = (await created.json()) as { account: { id: string; phone: string; email: string } };
    expect(account).toMatchObject({
      phone: '139****1234',
      email: 'z***@example.cn',
      id_number: '110105********002X',
    });
    const listed = await (await call('')).text();
    expect(listed).toContain('zhang.min');
    expect(listed).not.toContain('13900001234');
    expect(listed).not.toContain('zhang.min@example.cn');
    expect(listed).not.toContain('1949123');
    // Stored sealed: the row holds envelopes, not the values.
    const row = await platform.server.store.one<Record<string, unknown>>(
      'SELECT phone, email, id_number FROM accounts WHERE id = $1',
      [(account as { id: string }).id],
    );
    expect(Object.values(row).every((v) => typeof v === 'string' && v.startsWith('og1:'))).toBe(true);
    const signIn = await platform.server.identity.accounts.signIn({
      login: '13900001234',
      password: 'a long passphrase 2026',
      address: '127.0.0.1',
    });
    expect(signIn.ok).toBe(true);
  });

  it('refuses a weak password with the policy reasons, and a duplicate with 409', async () => {
    const weak = await call('', 'POST', { username: 'weak.one', password: 'password' });
    expect(weak.status).toBe(400);
    expect(await weak.json()).toMatchObject({ error: 'password_policy' });
    const duplicate = await call('', 'POST', {
      username: 'zhang.min',
      password: 'another long passphrase 9',
    });
    expect(duplicate.status).toBe(409);
  });

  it('ends every session of an account on request, and says how many', async () => {
    const { account } = (await (
      await call('', 'POST', { username: 'signed.out', password: 'a long passphrase 2026' })
    ).json()) as { account: { id: string } };
    const res = await call(`/${account.id}/sign-out`, 'POST');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sessions_ended: 0 });
    expect((await call('/no-such-id/sign-out', 'POST')).status).toBe(404);
  });

  it('disables an account so it can no longer sign in', async () => {
    const { account } = (await (
      await call('', 'POST', { username: 'soon.disabled', password: 'a long passphrase 2026' })
    ).json()) as { account: { id: string } };
    expect((await call(`/${account.id}/disable`, 'POST')).status).toBe(200);
    const attempt = await platform.server.identity.accounts.signIn({
      login: 'soon.disabled',
      password: 'a long passphrase 2026',
      address: '127.0.0.1',
    });
    expect(attempt).toEqual({ ok: false, error: { code: 'invalid_credentials' } });
    expect((await call('/no-such-id')).status).toBe(404);
  });
});
