import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OneGateError, type AuthzCheck } from '@onegate/sdk';
import { startPlatform, type Platform } from '../e2e/support/platform.ts';
import { bearer, platformClient, recordingFetch, serviceClient } from './platform-harness.ts';

const MARRIAGE = 'civil-affairs-hz/marriage-records/2019-0042';

describe('the SDK’s authorization client against OneGate', () => {
  let platform: Platform;
  let app: { clientId: string; clientSecret: string };
  let rawToken: string;

  beforeAll(async () => {
    platform = await startPlatform('sqlite');
    app = await serviceClient(platform, 'Marriage registry', ['authz:check']);
    rawToken = await bearer(platform, 'Marriage registry (raw HTTP)', ['authz:check']);
    const { authz } = platform.server;
    await authz.putDepartment({ id: 'civil-affairs-hz', name: 'Hangzhou Civil Affairs' }, 'test');
    await authz.putRole({ department: 'civil-affairs-hz', name: 'clerk' }, 'test');
    await authz.assign({ subject: 'wang.clerk', department: 'civil-affairs-hz', role: 'clerk' }, 'test');
    await authz.putRule(
      {
        id: 'hz-clerk-read',
        department: 'civil-affairs-hz',
        role: 'clerk',
        resources: ['civil-affairs-hz/*'],
        actions: ['read'],
      },
      'test',
    );
    await authz.putRule(
      {
        id: 'hz-sealed-adoptions',
        department: 'civil-affairs-hz',
        role: '*',
        resources: ['civil-affairs-hz/adoption-records/*'],
        actions: ['*'],
        effect: 'deny',
      },
      'test',
    );
  });
  afterAll(() => platform?.stop());

  async function overHttp(check: AuthzCheck): Promise<Record<string, unknown>> {
    const res = await fetch(`${platform.issuer}/api/v1/authz/check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${rawToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(check),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  }

  it('answers allowed and denied as the HTTP API does', async () => {
    const platformApi = platformClient(platform, app, { authzCacheTtlMs: 0 });
    const checks: AuthzCheck[] = [
      { subject: 'wang.clerk', action: 'read', resource: MARRIAGE, acr: 'low' },
      { subject: 'wang.clerk', action: 'read', resource: 'civil-affairs-hz/adoption-records/7', acr: 'low' },
      { subject: 'sun.police', action: 'read', resource: MARRIAGE, acr: 'low' },
    ];
    for (const check of checks) {
      const viaSdk = await platformApi.authz.check(check);
      const viaHttp = await overHttp(check);
      expect({ ...viaSdk, decisionId: undefined }).toEqual({ ...viaHttp, decisionId: undefined });
      expect(viaSdk.decisionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
    const [allowed, sealed, stranger] = await platformApi.authz.checkMany(checks);
    expect([allowed, sealed, stranger].map((d) => [d!.allowed, d!.reason, d!.ruleId])).toEqual([
      [true, 'allowed', 'hz-clerk-read'],
      [false, 'denied_by_rule', 'hz-sealed-adoptions'],
      [false, 'no_matching_rule', undefined],
    ]);
    const explained = (await platformApi.authz.explain(checks[1]!)) as {
      decision: { allowed: boolean };
      matched: { ruleId?: string }[];
    };
    expect(explained.decision.allowed).toBe(false);
    expect(explained.matched.map((line) => line.ruleId)).toContain('hz-sealed-adoptions');
  });

  it('splits a list of more than 1,000 checks and keeps the answers in order', async () => {
    const recorder = recordingFetch(platform);
    const platformApi = platformClient(platform, app, { fetch: recorder.fetch });
    const checks: AuthzCheck[] = Array.from({ length: 2_500 }, (_, i) => ({
      subject: 'wang.clerk',
      action: 'read',
      resource:
        i % 3 === 0 ? `civil-affairs-hz/adoption-records/${i}` : `civil-affairs-hz/marriage-records/${i}`,
      acr: 'low',
    }));
    const results = await platformApi.authz.checkMany(checks);
    expect(results).toHaveLength(2_500);
    expect(results.map((r) => r.allowed)).toEqual(checks.map((_, i) => i % 3 !== 0));
    expect(recorder.count('/api/v1/authz/check')).toBe(3);
  });

  it('reuses a decision, allow or deny, without asking OneGate again, and only for the same check', async () => {
    const recorder = recordingFetch(platform);
    const platformApi = platformClient(platform, app, { fetch: recorder.fetch });
    const allow: AuthzCheck = { subject: 'wang.clerk', action: 'read', resource: MARRIAGE, acr: 'low' };
    const deny: AuthzCheck = { ...allow, resource: 'civil-affairs-hz/adoption-records/1' };
    const first = [await platformApi.authz.check(allow), await platformApi.authz.check(deny)];
    expect(recorder.count('/api/v1/authz/check')).toBe(2);
    const again = [await platformApi.authz.check({ ...allow }), await platformApi.authz.check(deny)];
    expect(again).toEqual(first);
    expect(recorder.count('/api/v1/authz/check')).toBe(2);
    // Another purpose is another question.
    await platformApi.authz.check({ ...allow, purpose: 'audit' });
    expect(recorder.count('/api/v1/authz/check')).toBe(3);
    // A batch asks only for what it does not know.
    const mixed = await platformApi.authz.checkMany([allow, { ...allow, resource: `${MARRIAGE}-b` }, deny]);
    expect(mixed.map((d) => d.allowed)).toEqual([true, true, false]);
    expect(recorder.count('/api/v1/authz/check')).toBe(4);
  });

  it('asks every time with the cache off', async () => {
    const recorder = recordingFetch(platform);
    const platformApi = platformClient(platform, app, { fetch: recorder.fetch, authzCacheTtlMs: 0 });
    const check: AuthzCheck = { subject: 'wang.clerk', action: 'read', resource: MARRIAGE, acr: 'low' };
    await platformApi.authz.check(check);
    await platformApi.authz.check(check);
    expect(recorder.count('/api/v1/authz/check')).toBe(2);
  });

  it('gets one token for many calls, and a new one when OneGate says the token is invalid', async () => {
    const recorder = recordingFetch(platform);
    const platformApi = platformClient(platform, app, { fetch: recorder.fetch, authzCacheTtlMs: 0 });
    const check: AuthzCheck = { subject: 'wang.clerk', action: 'read', resource: MARRIAGE, acr: 'low' };
    await Promise.all(Array.from({ length: 10 }, () => platformApi.authz.check(check)));
    await platformApi.authz.check(check);
    expect(recorder.count('/token')).toBe(1);

    recorder.spoilNextToken();
    expect((await platformApi.authz.check(check)).allowed).toBe(true);
    expect(recorder.count('/token')).toBe(2);
    const calls = recorder.seen.filter((r) => r.url.includes('/api/v1/'));
    // The spoilt call and its repeat with the new token; then the new token stays in use.
    expect(calls.at(-1)!.authorization).not.toBe(calls.at(-2)!.authorization);
    await platformApi.authz.check(check);
    expect(recorder.count('/token')).toBe(2);
    expect(recorder.seen.at(-1)!.authorization).toBe(calls.at(-1)!.authorization);
  });

  it('turns OneGate’s refusals into stable codes that carry no token or secret', async () => {
    const recorder = recordingFetch(platform);
    const platformApi = platformClient(platform, app, { fetch: recorder.fetch });
    const error = await platformApi.authz
      .check({ subject: 'wang.clerk', action: 'read', resource: 'civil-affairs-hz/../etc', acr: 'low' })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OneGateError);
    expect(error).toMatchObject({ code: 'ERR_API_INVALID', cause: { status: 400, error: 'authz_invalid' } });
    const token = recorder.seen.at(-1)!.authorization!.replace('Bearer ', '');
    const shown = `${String(error)} ${JSON.stringify((error as Error).cause)}`;
    expect(shown).not.toContain(token);
    expect(shown).not.toContain(app.clientSecret);

    const noDepartment = await platformApi.authz
      .check({ subject: 'wang.clerk', action: 'read', resource: 'nowhere/records/1', acr: 'low' })
      .catch((err: unknown) => err);
    expect(noDepartment).toMatchObject({ code: 'ERR_API_NOT_FOUND' });

    const wrongSecret = platformClient(platform, { ...app, clientSecret: 'not-the-secret-0123456789' });
    const refused = await wrongSecret.authz
      .check({ subject: 'wang.clerk', action: 'read', resource: MARRIAGE })
      .catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: 'ERR_API_UNAUTHORIZED' });
    expect(`${String(refused)} ${JSON.stringify((refused as Error).cause)}`).not.toContain('not-the-secret');

    const auditOnly = await serviceClient(platform, 'Audit writer', ['audit:write']);
    const noScope = await platformClient(platform, auditOnly)
      .authz.check({ subject: 'wang.clerk', action: 'read', resource: MARRIAGE })
      .catch((err: unknown) => err);
    expect(noScope).toMatchObject({ code: 'ERR_API_FORBIDDEN' });

    const unreachable = await platformClient(platform, app, {
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    })
      .authz.check({ subject: 'wang.clerk', action: 'read', resource: MARRIAGE })
      .catch((err: unknown) => err);
    expect(unreachable).toMatchObject({ code: 'ERR_API_UNAVAILABLE' });
  });
});
