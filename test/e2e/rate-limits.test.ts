import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformClient, OneGateError } from '@onegate/sdk';
import { engines } from '@onegate/store/testing';
import { auditRows } from './support/audit-rows.ts';
import { startPlatform, type Platform } from './support/platform.ts';

/** Small limits, so that a test can go past them; the address limit stays out of the way of one host's tests. */
const LIMITS = {
  ONEGATE_CLIENT_AUTH_FAILURES_PER_CLIENT: '3',
  ONEGATE_CLIENT_AUTH_FAILURES_PER_ADDRESS: '1000',
  ONEGATE_CLIENT_AUTH_FAILURE_WINDOW_SECONDS: '4',
  ONEGATE_AUDIT_SEARCHES_PER_CLIENT_PER_MINUTE: '3',
  ONEGATE_AUDIT_EXPORTS_PER_CLIENT_PER_MINUTE: '2',
  ONEGATE_PRIVACY_BLIND_INDEXES_PER_CLIENT_PER_MINUTE: '5',
  ONEGATE_API_REQUESTS_PER_CLIENT_PER_MINUTE: '20',
  ONEGATE_ADMIN_REQUESTS_PER_CLIENT_PER_MINUTE: '3',
};

interface App {
  clientId: string;
  secret: string;
}

describe.each(engines)('rate limits (ASVS 2.4.1) on %s', (engine) => {
  let platform: Platform;

  async function app(name: string, scope: string): Promise<App> {
    const { client, clientSecret } = await platform.server.identity.clients.add({
      name,
      scopes: scope.split(' '),
    });
    return { clientId: client.clientId, secret: clientSecret! };
  }

  const basic = ({ clientId, secret }: App) =>
    `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;

  /** A client credentials grant at /token, authenticated with client_secret_basic. */
  const tokenRequest = (who: App, scope = 'audit:read') =>
    fetch(`${platform.issuer}/token`, {
      method: 'POST',
      headers: { authorization: basic(who), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
    });

  /** The same grant with client_secret_post: the client id and secret in the form. */
  const tokenRequestInForm = (who: App, scope = 'audit:read') =>
    fetch(`${platform.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope,
        client_id: who.clientId,
        client_secret: who.secret,
      }),
    });

  async function accessToken(who: App, scope = 'audit:read'): Promise<string> {
    const res = await tokenRequest(who, scope);
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  const searchAudit = (token: string) =>
    fetch(`${platform.issuer}/api/v1/audit/events?action=token.issue&limit=5`, {
      headers: { authorization: `Bearer ${token}` },
    });

  const exportAudit = (token: string) =>
    fetch(`${platform.issuer}/api/v1/audit/export?action=token.issue&format=jsonl`, {
      headers: { authorization: `Bearer ${token}` },
    });

  /** Per-minute counts start over on the minute: begin a counted run well inside one. */
  async function awayFromMinuteEnd(): Promise<void> {
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 10_000) await sleep(left + 50);
  }

  beforeAll(async () => {
    platform = await startPlatform(engine, LIMITS);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describe('failed client authentication', () => {
    it('refuses a client past its failures with 429, even with the right secret, until the window ends', async () => {
      const target = await app('Guessed-at service', 'audit:read privacy:encrypt');
      const bystander = await app('Neighbouring service', 'audit:read');
      const wrong = { ...target, secret: 'not-the-secret' };

      // Failures count however the client id came: the Authorization header or the form.
      expect((await tokenRequest(wrong)).status).toBe(401);
      expect((await tokenRequestInForm(wrong)).status).toBe(401);
      expect((await tokenRequest(wrong)).status).toBe(401);
      const blocked = await tokenRequest(wrong);
      expect(blocked.status).toBe(429);
      expect(await blocked.json()).toMatchObject({ error: 'temporarily_unavailable' });
      const retryAfter = Number(blocked.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(4);

      // The right secret does not lift the block, at the token endpoint or the others that authenticate clients.
      const right = await tokenRequest(target);
      expect(right.status).toBe(429);
      expect(right.headers.get('retry-after')).not.toBeNull();
      const introspection = await fetch(`${platform.issuer}/token/introspection`, {
        method: 'POST',
        headers: { authorization: basic(target), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: 'anything' }),
      });
      expect(introspection.status).toBe(429);
      // The SDK says so too, rather than calling the right secret wrong.
      const sdk = createPlatformClient({
        issuer: platform.issuer,
        clientId: target.clientId,
        clientSecret: target.secret,
        allowInsecureHttp: true,
      });
      try {
        const refused = await sdk.privacy
          .mask({ items: [{ value: '13700001111', profile: 'mobile' }] })
          .catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(OneGateError);
        expect(refused).toMatchObject({ code: 'ERR_API_RATE_LIMITED', cause: { status: 429 } });
      } finally {
        await sdk.close();
      }

      // Another client from the same address is not affected.
      expect((await tokenRequest(bystander)).status).toBe(200);

      // One refusal event for the block, however many requests were refused; refused requests are not token failures.
      const refusals = (await auditRows(platform.server, 'client_auth.throttled')).filter(
        (r) => r.client_id === target.clientId,
      );
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toMatchObject({ outcome: 'denied', reason: 'too_many_failures' });
      expect(JSON.parse(refusals[0]!.details!)).toMatchObject({ endpoint: 'token', limit: 'client' });
      const failures = (await auditRows(platform.server, 'token.issue')).filter(
        (r) => r.client_id === target.clientId && r.outcome === 'failure',
      );
      expect(failures).toHaveLength(3);

      await sleep(retryAfter * 1000 + 200);
      expect((await tokenRequest(target)).status).toBe(200);
    });
  });

  describe('audit search and export', () => {
    it('answers a search past the per-app rate with 429 and Retry-After, audited once', async () => {
      const reader = await accessToken(await app('Busy SIEM', 'audit:read'));
      const other = await accessToken(await app('Officer tooling', 'audit:read'));
      await awayFromMinuteEnd();

      for (let i = 0; i < 3; i++) expect((await searchAudit(reader)).status).toBe(200);
      const over = await searchAudit(reader);
      expect(over.status).toBe(429);
      expect(await over.json()).toMatchObject({ error: 'rate_limited' });
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await searchAudit(reader)).status).toBe(429);
      expect((await searchAudit(other)).status).toBe(200);

      const refused = (await auditRows(platform.server, 'audit.read')).filter((r) => r.outcome === 'denied');
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ reason: 'rate_limited' });
      expect(JSON.parse(refused[0]!.details!)).toMatchObject({ limit: 'searches_per_minute' });
    });

    it('answers an export past the per-app rate with 429, audited', async () => {
      const reader = await accessToken(await app('Nightly archive', 'audit:read'));
      await awayFromMinuteEnd();

      for (let i = 0; i < 2; i++) {
        const res = await exportAudit(reader);
        expect(res.status).toBe(200);
        await res.text();
      }
      const over = await exportAudit(reader);
      expect(over.status).toBe(429);
      expect(over.headers.get('retry-after')).not.toBeNull();

      const refused = (await auditRows(platform.server, 'audit.export')).filter(
        (r) => r.outcome === 'denied',
      );
      expect(refused).toHaveLength(1);
      expect(JSON.parse(refused[0]!.details!)).toMatchObject({ limit: 'exports_per_minute' });
    });
  });

  describe('the platform API as a whole', () => {
    const api = (token: string, path: string, body?: unknown) =>
      fetch(`${platform.issuer}/api/v1${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const deniedFor = async (clientId: string) =>
      (await auditRows(platform.server, 'onegate.api_denied')).filter(
        (r) => r.client_id === clientId && r.reason === 'rate_limited',
      );

    it('answers an app past its requests a minute with 429 and Retry-After, audited once, other apps unaffected', async () => {
      const busy = await app('Runaway masker', 'privacy:encrypt');
      const token = await accessToken(busy, 'privacy:encrypt');
      const calm = await accessToken(await app('Calm masker', 'privacy:encrypt'), 'privacy:encrypt');
      const mask = (who: string) =>
        api(who, '/privacy/mask', { items: [{ value: '13800138000', profile: 'mobile' }] });
      await awayFromMinuteEnd();

      for (let i = 0; i < 20; i++) expect((await mask(token)).status).toBe(200);
      const over = await mask(token);
      expect(over.status).toBe(429);
      expect(await over.json()).toMatchObject({ error: 'rate_limited' });
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await mask(token)).status).toBe(429);
      expect((await mask(calm)).status).toBe(200);

      const refused = await deniedFor(busy.clientId);
      expect(refused).toHaveLength(1);
      expect(JSON.parse(refused[0]!.details!)).toMatchObject({
        limit: 'requests_per_minute',
        path: '/api/v1/privacy/mask',
      });
    });

    it('holds administration routes to fewer requests a minute', async () => {
      const operator = await app('Provisioning job', 'admin');
      const token = await accessToken(operator, 'admin');
      await awayFromMinuteEnd();

      for (let i = 0; i < 3; i++) expect((await api(token, '/admin/clients')).status).toBe(200);
      const over = await api(token, '/admin/clients');
      expect(over.status).toBe(429);
      expect(((await over.json()) as { error_description: string }).error_description).toMatch(
        /at most 3 administration requests a minute/,
      );
      expect(over.headers.get('retry-after')).not.toBeNull();
      const refused = await deniedFor(operator.clientId);
      expect(refused).toHaveLength(1);
      expect(JSON.parse(refused[0]!.details!)).toMatchObject({ limit: 'admin_requests_per_minute' });
    });
  });

  describe('blind indexes (reverse lookups)', () => {
    it('answers past the per-app rate with 429, for /blind-index and /encrypt with an index alike, audited once', async () => {
      const token = await accessToken(await app('Resident lookup', 'privacy:encrypt'), 'privacy:encrypt');
      const phone = (value: string) => ({
        value,
        collection: 'civil-affairs-hz/residents',
        field: 'phone',
        kind: 'mobile',
      });
      const call = (path: string, items: unknown[]) =>
        fetch(`${platform.issuer}/api/v1/privacy${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ items }),
        });
      await awayFromMinuteEnd();

      const guesses = ['13700001110', '13700001111', '13700001112', '13700001113', '13700001114'];
      expect((await call('/blind-index', guesses.map(phone))).status).toBe(200);
      const over = await call('/blind-index', [phone('13700001115')]);
      expect(over.status).toBe(429);
      expect(await over.json()).toMatchObject({ error: 'privacy_rate_limited' });
      const sealed = {
        value: '13700001116',
        collection: 'civil-affairs-hz/residents',
        row: 'r-1',
        field: 'phone',
      };
      expect((await call('/encrypt', [{ ...sealed, index: { kind: 'mobile' } }])).status).toBe(429);
      // Sealing without an index computes none, and is not limited by this.
      expect((await call('/encrypt', [sealed])).status).toBe(200);

      const refused = await auditRows(platform.server, 'privacy.blind_index');
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ outcome: 'denied', reason: 'rate-limited' });
    });
  });
});
