import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '@onegate/store/testing';
import { auditRows as logged, type AuditRow } from './support/audit-rows.ts';
import { startPlatform, type Platform } from './support/platform.ts';

const DAY = 86_400_000;

interface Result {
  allowed: boolean;
  decisionId: string;
  reason: string;
  ruleId?: string;
  delegationId?: string;
}

describe.each(engines)('the authorization API on %s', (engine) => {
  let platform: Platform;
  const tokens: Record<'app' | 'officer' | 'secondOfficer' | 'sysadmin', string> = {
    app: '',
    officer: '',
    secondOfficer: '',
    sysadmin: '',
  };
  let appClientId: string;
  let officerClientId: string;

  async function token(name: string, scope: string): Promise<{ token: string; clientId: string }> {
    const { client, clientSecret } = await platform.server.identity.clients.add({ name, scopes: [scope] });
    const config = await oidc.discovery(new URL(platform.issuer), client.clientId, clientSecret, undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const { access_token } = await oidc.clientCredentialsGrant(config, { scope });
    return { token: access_token, clientId: client.clientId };
  }

  const call = (method: string, path: string, who: keyof typeof tokens | undefined, body?: unknown) =>
    fetch(`${platform.issuer}/api/v1/authz${path}`, {
      method,
      headers: {
        ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}),
        'content-type': 'application/json',
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  async function json<T>(res: Response, status: number): Promise<T> {
    const text = await res.text();
    expect(res.status, text).toBe(status);
    return JSON.parse(text) as T;
  }

  const check = async (body: Record<string, unknown>) =>
    json<Result>(await call('POST', '/check', 'app', { action: 'read', acr: 'low', ...body }), 200);

  const auditRows = (action: string): Promise<AuditRow[]> => logged(platform.server, action);

  /** Everything an officer can read back, to show that a refused request changed nothing. */
  async function policy(): Promise<unknown[]> {
    const read = async (path: string) => json<unknown>(await call('GET', path, 'officer'), 200);
    return Promise.all([
      read('/departments'),
      read('/roles'),
      read('/rules'),
      read('/delegations'),
      read('/assignments?department=civil-affairs-hz'),
      read('/assignments?subject=sun.police'),
    ]);
  }

  beforeAll(async () => {
    platform = await startPlatform(engine);
    const app = await token('Marriage registry', 'authz:check');
    const officer = await token('Officer A', 'authz:admin');
    tokens.app = app.token;
    appClientId = app.clientId;
    tokens.officer = officer.token;
    officerClientId = officer.clientId;
    tokens.secondOfficer = (await token('Officer B', 'authz:admin')).token;
    tokens.sysadmin = (await token('Platform admin', 'admin')).token;

    // A small policy, built through the API as an officer would.
    const put = async (path: string, body: unknown) => {
      const res = await call('PUT', path, 'officer', body);
      expect(res.status, await res.text()).toBe(201);
    };
    await put('/departments/civil-affairs-hz', { name: 'Hangzhou Civil Affairs' });
    await put('/departments/public-security', { name: 'Public Security' });
    await put('/roles/civil-affairs-hz/clerk', { title: 'Registry clerk' });
    await put('/roles/civil-affairs-hz/adoption-officer', {});
    await put('/roles/public-security/investigator', {});
    for (const a of [
      { subject: 'wang.clerk', department: 'civil-affairs-hz', role: 'clerk' },
      { subject: 'sun.police', department: 'public-security', role: 'investigator' },
    ]) {
      expect((await call('POST', '/assignments', 'officer', a)).status).toBe(201);
    }
    await put('/rules/hz-clerk-read', {
      department: 'civil-affairs-hz',
      role: 'clerk',
      resources: ['civil-affairs-hz/*'],
      actions: ['read'],
    });
    await put('/rules/hz-clerk-certify', {
      department: 'civil-affairs-hz',
      role: 'clerk',
      resources: ['civil-affairs-hz/marriage-records/*'],
      actions: ['certify'],
      minAcr: 'substantial',
    });
    await put('/rules/hz-sealed-adoptions', {
      department: 'civil-affairs-hz',
      role: '*',
      except: 'adoption-officer',
      resources: ['civil-affairs-hz/adoption-records/*'],
      actions: ['*'],
      effect: 'deny',
    });
  });
  afterAll(() => platform?.stop());

  it('lets a clerk read her department’s records, and says by which rule', async () => {
    const result = await check({
      subject: 'wang.clerk',
      resource: 'civil-affairs-hz/marriage-records/2019-0042',
    });
    expect(result).toMatchObject({ allowed: true, reason: 'allowed', ruleId: 'hz-clerk-read' });
    expect(result.decisionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('answers a batch in order, and lets a deny rule beat the grant', async () => {
    const { results } = await json<{ results: Result[] }>(
      await call('POST', '/check', 'app', {
        checks: [
          {
            subject: 'wang.clerk',
            action: 'read',
            resource: 'civil-affairs-hz/marriage-records/1',
            acr: 'low',
          },
          {
            subject: 'wang.clerk',
            action: 'read',
            resource: 'civil-affairs-hz/adoption-records/1',
            acr: 'low',
          },
          {
            subject: 'sun.police',
            action: 'read',
            resource: 'civil-affairs-hz/marriage-records/1',
            acr: 'low',
          },
          // No acr: not a signed-in user, so not even the clerk's own grant applies.
          { subject: 'wang.clerk', action: 'read', resource: 'civil-affairs-hz/marriage-records/1' },
        ],
      }),
      200,
    );
    expect(results.map((r) => [r.allowed, r.reason, r.ruleId])).toEqual([
      [true, 'allowed', 'hz-clerk-read'],
      [false, 'denied_by_rule', 'hz-sealed-adoptions'],
      [false, 'no_matching_rule', undefined],
      [false, 'no_matching_rule', undefined],
    ]);
  });

  it('refuses a low sign-in where the rule needs substantial, and takes the acr in its URN form', async () => {
    const certify = {
      subject: 'wang.clerk',
      action: 'certify',
      resource: 'civil-affairs-hz/marriage-records/7',
    };
    expect((await check({ ...certify, acr: 'low' })).allowed).toBe(false);
    expect((await check({ ...certify, acr: 'urn:onegate:acr:substantial' })).allowed).toBe(true);
  });

  it('runs a data-sharing agreement: created, approved by a second officer, used for its purpose only, revoked at once', async () => {
    const agreement = {
      id: 'ca-ps-marriage',
      fromDepartment: 'civil-affairs-hz',
      toDepartment: 'public-security',
      toRole: 'investigator',
      resources: ['civil-affairs-hz/marriage-records/*'],
      actions: ['read'],
      purposes: ['criminal-investigation'],
      notBefore: new Date(Date.now() - DAY).toISOString(),
      expiresAt: new Date(Date.now() + 30 * DAY).toISOString(),
      reason: 'Case 2026-118',
    };
    const investigate = {
      subject: 'sun.police',
      resource: 'civil-affairs-hz/marriage-records/2019-0042',
      purpose: 'criminal-investigation',
    };
    const { delegation } = await json<{ delegation: Record<string, unknown> }>(
      await call('POST', '/delegations', 'officer', agreement),
      201,
    );
    expect(delegation).toMatchObject({ status: 'pending', createdBy: officerClientId });
    expect((await check(investigate)).allowed).toBe(false);

    // Two-person rule: the author cannot approve it.
    expect(
      await json(await call('POST', '/delegations/ca-ps-marriage/approve', 'officer'), 409),
    ).toMatchObject({
      error: 'authz_conflict',
    });
    expect((await check(investigate)).allowed).toBe(false);
    const approved = await json<{ delegation: { status: string } }>(
      await call('POST', '/delegations/ca-ps-marriage/approve', 'secondOfficer'),
      200,
    );
    expect(approved.delegation.status).toBe('approved');

    expect(await check(investigate)).toMatchObject({ allowed: true, delegationId: 'ca-ps-marriage' });
    expect((await check({ ...investigate, purpose: 'statistics' })).allowed).toBe(false);

    await json(
      await call('POST', '/delegations/ca-ps-marriage/revoke', 'secondOfficer', { reason: 'closed' }),
      200,
    );
    expect((await check(investigate)).allowed).toBe(false);
    const stored = await json<{ delegation: { status: string } }>(
      await call('GET', '/delegations/ca-ps-marriage', 'officer'),
      200,
    );
    expect(stored.delegation.status).toBe('revoked');
  });

  it('explains a decision, and reviews who can and what one person can', async () => {
    const explanation = await json<{ decision: { allowed: boolean }; matched: unknown[]; summary: string }>(
      await call('POST', '/explain', 'app', {
        subject: 'wang.clerk',
        action: 'read',
        resource: 'civil-affairs-hz/adoption-records/1',
      }),
      200,
    );
    expect(explanation.decision.allowed).toBe(false);
    expect(explanation.summary).toMatch(/hz-sealed-adoptions/);

    const who = await json<{ access: Array<{ subject: string; ruleId?: string }> }>(
      await call('GET', '/who-can?action=read&resource=civil-affairs-hz/marriage-records/1', 'officer'),
      200,
    );
    expect(who.access).toEqual([expect.objectContaining({ subject: 'wang.clerk', ruleId: 'hz-clerk-read' })]);
    const what = await json<{ grants: Array<{ ruleId?: string }> }>(
      await call('GET', '/what-can?subject=wang.clerk&department=civil-affairs-hz', 'officer'),
      200,
    );
    expect(what.grants.map((g) => g.ruleId)).toEqual(
      expect.arrayContaining(['hz-clerk-read', 'hz-clerk-certify', 'hz-sealed-adoptions']),
    );
    // Access review is the officer's, not the app's.
    expect((await call('GET', '/who-can?action=read&resource=civil-affairs-hz/x', 'app')).status).toBe(403);
  });

  it('answers bad input with a clear 4xx, and nothing changes', async () => {
    const before = await policy();
    const decisionsBefore = (await auditRows('authz.decision')).length;
    const good = { subject: 'wang.clerk', action: 'read', resource: 'civil-affairs-hz/marriage-records/1' };
    const cases: Array<[string, string, keyof typeof tokens | undefined, unknown, number, string]> = [
      // checks
      ['POST', '/check', 'app', { ...good, resource: 'health/records/1' }, 404, 'authz_not_found'],
      [
        'POST',
        '/check',
        'app',
        { ...good, resource: 'civil-affairs-hz/../public-security/x' },
        400,
        'authz_invalid',
      ],
      ['POST', '/check', 'app', { ...good, resource: 'civil-affairs-hz//x' }, 400, 'authz_invalid'],
      ['POST', '/check', 'app', { ...good, resource: 'civil-affairs-hz/.*' }, 400, 'authz_invalid'],
      ['POST', '/check', 'app', { ...good, resource: 'a|b' }, 400, 'authz_invalid'],
      ['POST', '/check', 'app', { ...good, resource: 'civil-affairs-hz/(x)+' }, 400, 'authz_invalid'],
      ['POST', '/check', 'app', { ...good, purpse: 'typo' }, 400, 'authz_invalid'],
      ['POST', '/check', 'app', { ...good, acr: 'very-high' }, 400, 'authz_invalid'],
      ['POST', '/check', 'app', '{"subject": ', 400, 'invalid_request'],
      ['POST', '/check', 'app', { checks: Array.from({ length: 1001 }, () => good) }, 400, 'authz_invalid'],
      ['POST', '/check', 'app', { checks: [] }, 400, 'authz_invalid'],
      ['POST', '/check', 'app', { checks: [good, 'read everything'] }, 400, 'authz_invalid'],
      // policy changes
      ['PUT', '/departments/Civil_Affairs', 'officer', { name: 'x' }, 400, 'authz_invalid'],
      ['PUT', '/departments/tax', 'officer', { name: 'Tax', parent: 'finance' }, 404, 'authz_not_found'],
      ['PUT', '/departments/tax', 'officer', { id: 'customs', name: 'Tax' }, 400, 'authz_invalid'],
      ['PUT', '/departments/tax', 'officer', ['Tax'], 400, 'authz_invalid'],
      ['PUT', '/departments/tax', 'officer', '{"name": "Tax"', 400, 'invalid_request'],
      ['DELETE', '/departments/civil-affairs-hz', 'officer', undefined, 409, 'authz_conflict'],
      ['DELETE', '/departments/health', 'officer', undefined, 404, 'authz_not_found'],
      ['PUT', '/roles/health/doctor', 'officer', {}, 404, 'authz_not_found'],
      ['PUT', '/roles/civil-affairs-hz/clerk', 'officer', { inherits: ['clerk'] }, 409, 'authz_conflict'],
      [
        'POST',
        '/assignments',
        'officer',
        { subject: 'x', department: 'civil-affairs-hz', role: 'mayor' },
        404,
        'authz_not_found',
      ],
      [
        'POST',
        '/assignments',
        'officer',
        { subject: '../x', department: 'civil-affairs-hz', role: 'clerk' },
        400,
        'authz_invalid',
      ],
      [
        'DELETE',
        '/assignments?subject=nobody&department=civil-affairs-hz&role=clerk',
        'officer',
        undefined,
        404,
        'authz_not_found',
      ],
      ['GET', '/assignments', 'officer', undefined, 400, 'authz_invalid'],
      [
        'PUT',
        '/rules/r1',
        'officer',
        { department: 'health', role: 'x', resources: ['health/*'], actions: ['read'] },
        404,
        'authz_not_found',
      ],
      [
        'PUT',
        '/rules/r1',
        'officer',
        {
          department: 'civil-affairs-hz',
          role: 'clerk',
          resources: ['civil-affairs-hz/.*'],
          actions: ['read'],
        },
        400,
        'authz_invalid',
      ],
      [
        'PUT',
        '/rules/r1',
        'officer',
        {
          department: 'civil-affairs-hz',
          role: 'clerk',
          resources: ['civil-affairs-hz/a|b'],
          actions: ['read'],
        },
        400,
        'authz_invalid',
      ],
      [
        'PUT',
        '/rules/r1',
        'officer',
        {
          department: 'civil-affairs-hz',
          role: 'clerk',
          resources: ['civil-affairs-hz/(x)+'],
          actions: ['read'],
        },
        400,
        'authz_invalid',
      ],
      [
        'PUT',
        '/rules/r1',
        'officer',
        {
          department: 'civil-affairs-hz',
          role: 'clerk',
          resources: ['civil-affairs-hz//x'],
          actions: ['read'],
        },
        400,
        'authz_invalid',
      ],
      [
        'PUT',
        '/rules/r1',
        'officer',
        {
          department: 'civil-affairs-hz',
          role: 'clerk',
          resources: ['public-security/*'],
          actions: ['read'],
        },
        400,
        'authz_invalid',
      ],
      ['DELETE', '/rules/no-such-rule', 'officer', undefined, 404, 'authz_not_found'],
      [
        'POST',
        '/delegations',
        'officer',
        { id: 'd1', fromDepartment: 'civil-affairs-hz' },
        400,
        'authz_invalid',
      ],
      // A time without its offset would mean whichever midnight the server's zone says.
      ...['2026-01-01T00:00:00', '2026-01-01', 'Jan 1 2026', '2026-02-30T00:00:00Z'].map(
        (notBefore): (typeof cases)[number] => [
          'POST',
          '/delegations',
          'officer',
          {
            id: 'd-local-time',
            fromDepartment: 'civil-affairs-hz',
            toDepartment: 'public-security',
            toRole: 'investigator',
            resources: ['civil-affairs-hz/marriage-records/*'],
            actions: ['read'],
            purposes: ['criminal-investigation'],
            notBefore,
            expiresAt: '2027-01-01T00:00:00+08:00',
            reason: 'Case 2026-119',
          },
          400,
          'authz_invalid',
        ],
      ),
      ['POST', '/delegations/no-such/approve', 'secondOfficer', undefined, 404, 'authz_not_found'],
      ['GET', '/who-can?action=read&resource=health/x', 'officer', undefined, 404, 'authz_not_found'],
      [
        'GET',
        '/who-can?action=read&resource=civil-affairs-hz/.*',
        'officer',
        undefined,
        400,
        'authz_invalid',
      ],
      // who may call
      [
        'PUT',
        '/rules/r1',
        'app',
        {
          department: 'civil-affairs-hz',
          role: 'clerk',
          resources: ['civil-affairs-hz/*'],
          actions: ['read'],
        },
        403,
        'insufficient_scope',
      ],
      ['PUT', '/departments/tax', 'sysadmin', { name: 'Tax' }, 403, 'insufficient_scope'],
      ['POST', '/check', 'sysadmin', good, 403, 'insufficient_scope'],
      ['POST', '/check', undefined, good, 401, 'invalid_token'],
      ['GET', '/departments', undefined, undefined, 401, 'invalid_token'],
    ];
    for (const [method, path, who, body, status, error] of cases) {
      const res = await call(method, path, who, body);
      const text = await res.text();
      expect(res.status, `${method} ${path}: ${text}`).toBe(status);
      expect(JSON.parse(text), `${method} ${path}`).toMatchObject({
        error,
        error_description: expect.any(String) as unknown,
      });
    }
    expect(await policy()).toEqual(before);
    expect((await auditRows('authz.decision')).length).toBe(decisionsBefore);
  });

  it('refuses a batch of 10,000 checks without deciding or auditing any', async () => {
    const decisionsBefore = (await auditRows('authz.decision')).length;
    const good = { subject: 'wang.clerk', action: 'read', resource: 'civil-affairs-hz/marriage-records/1' };
    const res = await call('POST', '/check', 'app', { checks: Array.from({ length: 10_000 }, () => good) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/authz_invalid|invalid_request/);
    expect((await auditRows('authz.decision')).length).toBe(decisionsBefore);
  });

  it('names the bad check of a batch by its place', async () => {
    const good = { subject: 'wang.clerk', action: 'read', resource: 'civil-affairs-hz/marriage-records/1' };
    const res = await call('POST', '/check', 'app', { checks: [good, good, { ...good, resource: 'a|b' }] });
    expect(await json(res, 400)).toMatchObject({
      error_description: expect.stringMatching(/^checks\[2\]: /) as unknown,
    });
  });

  it('audits every deny with its decision id, and admin changes with who, before and after', async () => {
    const denied = await check({ subject: 'sun.police', resource: 'civil-affairs-hz/marriage-records/9' });
    const rows = await auditRows('authz.decision');
    const row = rows.find(
      (r) => (JSON.parse(r.details ?? '{}') as { decisionId?: string }).decisionId === denied.decisionId,
    );
    expect(row).toMatchObject({
      outcome: 'denied',
      actor: appClientId,
      client_id: appClientId,
      subject: 'sun.police',
    });
    expect(JSON.parse(row!.details!)).toMatchObject({
      action: 'read',
      resource: 'civil-affairs-hz/marriage-records/9',
      subject: 'sun.police',
    });

    const rule = await json<{ rule: Record<string, unknown> }>(
      await call('GET', '/rules/hz-clerk-read', 'officer'),
      200,
    );
    await json(
      await call('PUT', '/rules/hz-clerk-read', 'officer', { ...rule.rule, actions: ['read', 'print'] }),
      200,
    );
    const change = (await auditRows('authz.rule_put')).at(-1)!;
    expect(change).toMatchObject({ outcome: 'success', actor: officerClientId });
    expect(JSON.parse(change.details!)).toMatchObject({
      before: { id: 'hz-clerk-read', actions: ['read'] },
      after: { id: 'hz-clerk-read', actions: ['read', 'print'] },
    });
    expect(await auditRows('authz.delegation_approve')).toEqual(
      expect.arrayContaining([expect.objectContaining({ outcome: 'denied', actor: officerClientId })]),
    );
  });
});

describe('allow decisions sampled out of the audit', () => {
  let platform: Platform;
  let app: string;
  let officer: string;

  beforeAll(async () => {
    platform = await startPlatform('sqlite', { ONEGATE_AUTHZ_AUDIT_ALLOWS: '0' });
    const grant = async (name: string, scope: string) => {
      const { client, clientSecret } = await platform.server.identity.clients.add({ name, scopes: [scope] });
      const config = await oidc.discovery(
        new URL(platform.issuer),
        client.clientId,
        clientSecret,
        undefined,
        {
          execute: [oidc.allowInsecureRequests],
        },
      );
      return (await oidc.clientCredentialsGrant(config, { scope })).access_token;
    };
    app = await grant('App', 'authz:check');
    officer = await grant('Officer', 'authz:admin');
  });
  afterAll(() => platform?.stop());

  it('writes no allow, and still every deny', async () => {
    const send = (method: string, path: string, token: string, body: unknown) =>
      fetch(`${platform.issuer}/api/v1/authz${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await send('PUT', '/departments/tax', officer, { name: 'Tax' });
    await send('PUT', '/roles/tax/officer', officer, {});
    await send('POST', '/assignments', officer, { subject: 'zhou', department: 'tax', role: 'officer' });
    await send('PUT', '/rules/tax-read', officer, {
      department: 'tax',
      role: 'officer',
      resources: ['tax/*'],
      actions: ['read'],
    });
    const res = await send('POST', '/check', app, {
      checks: [
        { subject: 'zhou', action: 'read', resource: 'tax/returns/1', acr: 'low' },
        { subject: 'zhou', action: 'write', resource: 'tax/returns/1', acr: 'low' },
      ],
    });
    const { results } = (await res.json()) as { results: Result[] };
    expect(results.map((r) => r.allowed)).toEqual([true, false]);
    const audited = await logged(platform.server, 'authz.decision');
    expect(audited.map((r) => r.outcome)).toEqual(['denied']);
    expect(audited[0]!.details).toContain(results[1]!.decisionId);
  });
});
