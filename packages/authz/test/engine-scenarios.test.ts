import { describe, expect, it } from 'vitest';
import { explain } from '../src/explain.ts';
import { whatCan, whoCan } from '../src/access-review.ts';
import { isAuthzError } from '../src/errors.ts';
import { PolicyEngine } from '../src/policy-engine.ts';
import type { Delegation, PolicySet } from '../src/policy.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T00:00:00Z');

/** Civil affairs in a province, a city and a district; public security; a sharing agreement between them. */
function samplePolicy(): PolicySet {
  const sharing: Delegation = {
    id: 'ca-ps-marriage-2026',
    fromDepartment: 'civil-affairs-hz',
    toDepartment: 'public-security',
    toRole: 'investigator',
    resources: ['civil-affairs-hz/marriage-records/*'],
    actions: ['read'],
    purposes: ['criminal-investigation'],
    notBefore: NOW - DAY,
    expiresAt: NOW + 30 * DAY,
    minAcr: 'substantial',
    reason: 'Case 2026-118: verifying declared marital status',
    createdBy: 'admin-ca',
    approvedBy: 'admin-ca-2',
    status: 'approved',
  };
  return {
    departments: [
      { id: 'civil-affairs', name: 'Provincial Civil Affairs' },
      { id: 'civil-affairs-hz', name: 'Hangzhou Civil Affairs', parent: 'civil-affairs' },
      { id: 'civil-affairs-hz-xh', name: 'Xihu District Civil Affairs', parent: 'civil-affairs-hz' },
      { id: 'civil-affairs-nb', name: 'Ningbo Civil Affairs', parent: 'civil-affairs' },
      { id: 'public-security', name: 'Public Security' },
    ],
    roles: [
      { department: 'civil-affairs', name: 'auditor', reachDown: true, inherits: [] },
      { department: 'civil-affairs-hz', name: 'viewer', reachDown: false, inherits: [] },
      { department: 'civil-affairs-hz', name: 'clerk', reachDown: false, inherits: ['viewer'] },
      { department: 'civil-affairs-hz', name: 'auditor', reachDown: true, inherits: [] },
      { department: 'civil-affairs-hz', name: 'adoption-officer', reachDown: false, inherits: [] },
      { department: 'public-security', name: 'investigator', reachDown: false, inherits: [] },
    ],
    assignments: [
      { subject: 'wang.clerk', department: 'civil-affairs-hz', role: 'clerk' },
      { subject: 'li.auditor', department: 'civil-affairs', role: 'auditor' },
      { subject: 'chen.auditor', department: 'civil-affairs-hz', role: 'auditor' },
      { subject: 'zhao.adoption', department: 'civil-affairs-hz', role: 'adoption-officer' },
      { subject: 'zhao.adoption', department: 'civil-affairs-hz', role: 'clerk' },
      { subject: 'qian.adoption', department: 'civil-affairs-hz', role: 'adoption-officer' },
      { subject: 'sun.police', department: 'public-security', role: 'investigator' },
    ],
    rules: [
      rule('hz-view', 'civil-affairs-hz', 'viewer', ['civil-affairs-hz/*'], ['read']),
      rule('hz-clerk-write', 'civil-affairs-hz', 'clerk', ['civil-affairs-hz/marriage-records/*'], ['write']),
      rule('prov-audit', 'civil-affairs', 'auditor', ['civil-affairs/*'], ['read'], { purposes: ['audit'] }),
      rule('hz-audit', 'civil-affairs-hz', 'auditor', ['civil-affairs-hz/*'], ['read'], {
        purposes: ['audit'],
      }),
      rule(
        'hz-adoption',
        'civil-affairs-hz',
        'adoption-officer',
        ['civil-affairs-hz/adoption-records/*'],
        ['read'],
        {
          minAcr: 'substantial',
        },
      ),
      {
        ...rule(
          'hz-adoption-sealed',
          'civil-affairs-hz',
          '*',
          ['civil-affairs-hz/adoption-records/*'],
          ['*'],
        ),
        effect: 'deny',
        except: 'adoption-officer',
      },
    ],
    delegations: [sharing],
  };
}

function rule(
  id: string,
  department: string,
  role: string,
  resources: string[],
  actions: string[],
  extra: Partial<PolicySet['rules'][number]> = {},
): PolicySet['rules'][number] {
  return {
    id,
    department,
    role,
    resources,
    actions,
    purposes: ['*'],
    minAcr: 'low',
    effect: 'allow',
    ...extra,
  };
}

async function engineAt(time: { now: number }): Promise<PolicyEngine> {
  const engine = await PolicyEngine.create({ clock: () => time.now });
  await engine.replace(samplePolicy());
  return engine;
}

describe('decisions on the sample departments', () => {
  it('lets a clerk read and write her department’s records, through an inherited role for reading', async () => {
    const engine = await engineAt({ now: NOW });
    const read = engine.check({
      subject: 'wang.clerk',
      action: 'read',
      resource: 'civil-affairs-hz/marriage-records/2019-0042',
      acr: 'low',
    });
    expect(read).toEqual({ allowed: true, reason: 'allowed', ruleId: 'hz-view' });
    expect(
      engine.check({
        subject: 'wang.clerk',
        action: 'write',
        resource: 'civil-affairs-hz/marriage-records/1',
        acr: 'low',
      }).allowed,
    ).toBe(true);
    // Not another city's records, and not signed in at all.
    expect(
      engine.check({
        subject: 'wang.clerk',
        action: 'read',
        resource: 'civil-affairs-nb/marriage-records/1',
        acr: 'low',
      }).allowed,
    ).toBe(false);
    expect(
      engine.check({ subject: 'wang.clerk', action: 'read', resource: 'civil-affairs-hz/marriage-records/1' })
        .allowed,
    ).toBe(false);
  });

  it('lets an investigator of another department read under the agreement, for its purpose and time only', async () => {
    const time = { now: NOW };
    const engine = await engineAt(time);
    const ask = (purpose: string, acr: 'low' | 'substantial' = 'substantial') =>
      engine.check({
        subject: 'sun.police',
        action: 'read',
        resource: 'civil-affairs-hz/marriage-records/2019-0042',
        purpose,
        acr,
      });
    expect(ask('criminal-investigation')).toEqual({
      allowed: true,
      reason: 'allowed',
      delegationId: 'ca-ps-marriage-2026',
    });
    expect(ask('tax-audit').allowed).toBe(false);
    expect(ask('criminal-investigation', 'low').allowed).toBe(false);
    // Other data of the department is not shared, nor writing.
    expect(
      engine.check({
        subject: 'sun.police',
        action: 'read',
        resource: 'civil-affairs-hz/adoption-records/7',
        purpose: 'criminal-investigation',
        acr: 'high',
      }).allowed,
    ).toBe(false);
    time.now = NOW + 30 * DAY; // expiresAt is exclusive
    expect(ask('criminal-investigation').allowed).toBe(false);
    time.now = NOW - DAY - 1;
    expect(ask('criminal-investigation').allowed).toBe(false);
  });

  it('stops a revoked agreement at the next decision', async () => {
    const engine = await engineAt({ now: NOW });
    const agreement = engine.delegation('ca-ps-marriage-2026')!;
    await engine.putDelegation({ ...agreement, status: 'revoked' });
    expect(
      engine.check({
        subject: 'sun.police',
        action: 'read',
        resource: 'civil-affairs-hz/marriage-records/1',
        purpose: 'criminal-investigation',
        acr: 'high',
      }),
    ).toEqual({ allowed: false, reason: 'no_matching_rule' });
  });

  it('lets a deny beat a role grant: adoption records are sealed to all but adoption officers', async () => {
    const engine = await engineAt({ now: NOW });
    const read = (subject: string) =>
      engine.check({
        subject,
        action: 'read',
        resource: 'civil-affairs-hz/adoption-records/7',
        acr: 'substantial',
      });
    expect(read('wang.clerk')).toEqual({
      allowed: false,
      reason: 'denied_by_rule',
      ruleId: 'hz-adoption-sealed',
    });
    expect(read('zhao.adoption').allowed).toBe(true);
    expect(read('li.auditor').allowed).toBe(false);
  });

  it('asks for a stronger sign-in where a rule needs it', async () => {
    const engine = await engineAt({ now: NOW });
    const read = (acr: 'low' | 'substantial') =>
      engine.check({
        subject: 'qian.adoption',
        action: 'read',
        resource: 'civil-affairs-hz/adoption-records/7',
        acr,
      });
    expect(read('low').allowed).toBe(false);
    expect(read('substantial').allowed).toBe(true);
  });

  it('lets a provincial auditor reach down to a district, never a city auditor up or sideways', async () => {
    const engine = await engineAt({ now: NOW });
    const audit = (subject: string, resource: string) =>
      engine.check({ subject, action: 'read', resource, purpose: 'audit', acr: 'low' }).allowed;
    expect(audit('li.auditor', 'civil-affairs-hz-xh/marriage-records/1')).toBe(true);
    expect(audit('li.auditor', 'civil-affairs-nb/marriage-records/1')).toBe(true);
    expect(audit('chen.auditor', 'civil-affairs-hz-xh/marriage-records/1')).toBe(true);
    expect(audit('chen.auditor', 'civil-affairs/marriage-records/1')).toBe(false);
    expect(audit('chen.auditor', 'civil-affairs-nb/marriage-records/1')).toBe(false);
  });

  it('refuses bad questions with clear errors', async () => {
    const engine = await engineAt({ now: NOW });
    const refuse = (req: object) => {
      try {
        engine.check(req as never);
      } catch (err) {
        return isAuthzError(err) ? err.code : 'other';
      }
      return 'none';
    };
    expect(refuse({ subject: 'a', action: 'read', resource: 'no-such-dept/x' })).toBe('ERR_AUTHZ_NOT_FOUND');
    for (const resource of [
      'civil-affairs-hz/.*',
      'civil-affairs-hz/a|b',
      'civil-affairs-hz/(x)+',
      'civil-affairs-hz//x',
      'civil-affairs-hz',
      '../etc',
    ]) {
      expect(refuse({ subject: 'a', action: 'read', resource })).toBe('ERR_AUTHZ_INVALID');
    }
    expect(refuse({ subject: 'a', action: 'READ!', resource: 'civil-affairs-hz/x' })).toBe(
      'ERR_AUTHZ_INVALID',
    );
    expect(refuse({ subject: 'a', action: 'read', resource: 'civil-affairs-hz/x', acr: 'urn:x' })).toBe(
      'ERR_AUTHZ_INVALID',
    );
  });
});

describe('policy changes', () => {
  it('refuses changes that would break the policy, and changes nothing', async () => {
    const engine = await engineAt({ now: NOW });
    const before = JSON.stringify(engine.snapshot());
    await expect(
      engine.putDepartment({ id: 'civil-affairs', name: 'x', parent: 'civil-affairs-hz-xh' }),
    ).rejects.toMatchObject({ code: 'ERR_AUTHZ_CONFLICT' });
    await expect(
      engine.putRole({
        department: 'civil-affairs-hz',
        name: 'viewer',
        reachDown: false,
        inherits: ['clerk'],
      }),
    ).rejects.toMatchObject({ code: 'ERR_AUTHZ_CONFLICT' });
    await expect(
      engine.assign({ subject: 'x', department: 'civil-affairs-hz', role: 'nobody' }),
    ).rejects.toMatchObject({ code: 'ERR_AUTHZ_NOT_FOUND' });
    await expect(engine.removeRole('civil-affairs-hz', 'clerk')).rejects.toMatchObject({
      code: 'ERR_AUTHZ_CONFLICT',
    });
    await expect(engine.removeDepartment('civil-affairs')).rejects.toMatchObject({
      code: 'ERR_AUTHZ_CONFLICT',
    });
    const broken = samplePolicy();
    broken.rules.push(rule('dangling', 'civil-affairs-hz', 'ghost', ['civil-affairs-hz/x'], ['read']));
    await expect(engine.replace(broken)).rejects.toMatchObject({ code: 'ERR_AUTHZ_NOT_FOUND' });
    expect(JSON.stringify(engine.snapshot())).toBe(before);
  });

  it('applies a change to the very next decision', async () => {
    const engine = await engineAt({ now: NOW });
    const ask = () =>
      engine.check({
        subject: 'new.clerk',
        action: 'write',
        resource: 'civil-affairs-hz/marriage-records/1',
        acr: 'low',
      }).allowed;
    expect(ask()).toBe(false);
    await engine.assign({ subject: 'new.clerk', department: 'civil-affairs-hz', role: 'clerk' });
    expect(ask()).toBe(true);
    await engine.putRole({ department: 'civil-affairs-hz', name: 'clerk', reachDown: false, inherits: [] });
    expect(
      engine.check({
        subject: 'new.clerk',
        action: 'read',
        resource: 'civil-affairs-hz/marriage-records/1',
        acr: 'low',
      }).allowed,
    ).toBe(false);
    await engine.unassign({ subject: 'new.clerk', department: 'civil-affairs-hz', role: 'clerk' });
    expect(ask()).toBe(false);
  });

  it('decides through Casbin itself when the operator brings another model', async () => {
    const model = `[request_definition]
r = sub, dom, obj, act, purpose, acr, now
[policy_definition]
p = sub, subdom, dom, obj, act, purpose, minacr, nbf, exp, eft, except, id
[role_definition]
g = _, _, _
g2 = _, _
g3 = _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub, p.subdom) && r.dom == p.dom && keyMatch2(r.obj, p.obj) && r.act == p.act`;
    const engine = await PolicyEngine.create({ model, clock: () => NOW });
    await engine.replace(samplePolicy());
    expect(engine.indexed).toBe(false);
    // No acr condition in this model: a sign-in-less read is allowed, which the built-in model refuses.
    expect(
      engine.check({ subject: 'wang.clerk', action: 'read', resource: 'civil-affairs-hz/marriage-records/1' })
        .allowed,
    ).toBe(true);
    expect(() =>
      explain(engine, { subject: 'wang.clerk', action: 'read', resource: 'civil-affairs-hz/x/1' }),
    ).toThrow(/built-in model/);
  });
});

describe('explanations and access review', () => {
  it('explains a deny that overrides a grant, with the role path', async () => {
    const engine = await engineAt({ now: NOW });
    const why = explain(engine, {
      subject: 'wang.clerk',
      action: 'read',
      resource: 'civil-affairs-hz/adoption-records/7',
      acr: 'low',
    });
    expect(why.decision.allowed).toBe(false);
    expect(why.matched.map((m) => [m.effect, m.ruleId, m.via])).toEqual([
      ['deny', 'hz-adoption-sealed', 'everyone'],
      ['allow', 'hz-view', 'department'],
    ]);
    expect(why.matched[1]!.rolePath).toEqual(['wang.clerk', 'clerk', 'viewer']);
    expect(why.summary).toBe(
      'denied: rule hz-adoption-sealed denies it, and a deny overrides the allow of rule hz-view',
    );
  });

  it('names the delegation used, and what blocked the rest', async () => {
    const engine = await engineAt({ now: NOW });
    const used = explain(engine, {
      subject: 'sun.police',
      action: 'read',
      resource: 'civil-affairs-hz/marriage-records/1',
      purpose: 'criminal-investigation',
      acr: 'substantial',
    });
    expect(used.matched).toMatchObject([
      {
        delegationId: 'ca-ps-marriage-2026',
        via: 'delegation',
        heldIn: 'public-security',
        rolePath: ['sun.police', 'investigator'],
      },
    ]);
    const wrongPurpose = explain(engine, {
      subject: 'sun.police',
      action: 'read',
      resource: 'civil-affairs-hz/marriage-records/1',
      purpose: 'curiosity',
      acr: 'substantial',
    });
    expect(wrongPurpose.blocked).toMatchObject([{ delegationId: 'ca-ps-marriage-2026', because: 'purpose' }]);
    const reached = explain(engine, {
      subject: 'li.auditor',
      action: 'read',
      resource: 'civil-affairs-hz-xh/births/1',
      purpose: 'audit',
      acr: 'low',
    });
    expect(reached.matched).toMatchObject([
      { ruleId: 'prov-audit', via: 'reach-down', reachedFrom: 'civil-affairs' },
    ]);
  });

  it('lists who can read a record and how, leaving out those a deny stops', async () => {
    const engine = await engineAt({ now: NOW });
    const marriage = whoCan(engine, { action: 'read', resource: 'civil-affairs-hz/marriage-records/1' });
    const ways = marriage.access.map((a) => `${a.subject}:${a.ruleId ?? a.delegationId}`).sort();
    expect(ways).toEqual([
      'chen.auditor:hz-audit',
      'li.auditor:prov-audit',
      'sun.police:ca-ps-marriage-2026',
      'wang.clerk:hz-view',
      'zhao.adoption:hz-view',
    ]);
    const adoption = whoCan(engine, { action: 'read', resource: 'civil-affairs-hz/adoption-records/1' });
    expect(adoption.access.map((a) => `${a.subject}:${a.ruleId}`).sort()).toEqual([
      'qian.adoption:hz-adoption',
      'zhao.adoption:hz-adoption',
      'zhao.adoption:hz-view',
    ]);
    expect(adoption.blocked.map((a) => `${a.subject}:${a.deniedBy}`)).toContain(
      'wang.clerk:hz-adoption-sealed',
    );
  });

  it('lists what a person can do, in one department or all', async () => {
    const engine = await engineAt({ now: NOW });
    const all = whatCan(engine, { subject: 'zhao.adoption' });
    expect(all.grants.map((g) => `${g.effect} ${g.action} ${g.resource}`).sort()).toEqual([
      'allow read civil-affairs-hz/*',
      'allow read civil-affairs-hz/adoption-records/*',
      'allow write civil-affairs-hz/marriage-records/*',
    ]);
    const district = whatCan(engine, { subject: 'li.auditor', department: 'civil-affairs-hz-xh' });
    expect(district.grants).toMatchObject([{ ruleId: 'prov-audit', reachesDown: true }]);
    expect(whatCan(engine, { subject: 'nobody' }).grants).toEqual([]);
  });
});
