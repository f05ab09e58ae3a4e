import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import {
  createTestDatabase,
  engines,
  eventually,
  postgresUrl,
  type TestDatabase,
} from '@onegate/store/testing';
import type { AuthzService } from '../src/authz-service.ts';
import {
  DAY,
  RecordingSink,
  buildSamplePolicy,
  sharingAgreement,
  startService,
  testClock,
} from './service-support.ts';

const caller = { clientId: 'records-app' };
const read = (subject: string, resource: string, extra: Record<string, unknown> = {}) => ({
  subject,
  action: 'read',
  resource,
  acr: 'low',
  ...extra,
});

describe.each(engines)('AuthzService on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let authz: AuthzService;
  let audit: RecordingSink;
  let clock: ReturnType<typeof testClock>;

  beforeEach(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    clock = testClock();
    ({ authz, audit } = await startService(store, { clock: clock.now }));
    await buildSamplePolicy(authz);
  });

  afterEach(async () => {
    await authz?.stop();
    await db?.drop();
  });

  describe('the scenario of the sample departments', () => {
    it('lets a clerk read her own department’s records', async () => {
      const result = await authz.check(
        read('wang.clerk', 'civil-affairs-hz/marriage-records/2019-0042'),
        caller,
      );
      expect(result).toMatchObject({ allowed: true, reason: 'allowed', ruleId: 'hz-clerk-read' });
      expect(result.decisionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    });

    it('lets an investigator of another department read them only under an approved delegation, for its purpose, until it expires', async () => {
      const investigate = read('sun.police', 'civil-affairs-hz/marriage-records/2019-0042', {
        purpose: 'criminal-investigation',
      });
      expect((await authz.check(investigate, caller)).allowed).toBe(false);

      const created = await authz.createDelegation(sharingAgreement(), 'admin-a');
      expect(created).toMatchObject({ status: 'pending', createdBy: 'admin-a' });
      // Pending: not yet in force.
      expect((await authz.check(investigate, caller)).allowed).toBe(false);

      const approved = await authz.approveDelegation('ca-ps-marriage', 'admin-b');
      expect(approved).toMatchObject({ status: 'approved', approvedBy: 'admin-b', createdBy: 'admin-a' });
      expect(await authz.check(investigate, caller)).toMatchObject({
        allowed: true,
        delegationId: 'ca-ps-marriage',
      });
      // Another purpose is refused.
      const curious = { ...investigate, purpose: 'statistics' };
      expect((await authz.check(curious, caller)).allowed).toBe(false);
      expect((await authz.check({ ...investigate, purpose: undefined }, caller)).allowed).toBe(false);
      // Only the resources it lists, only the actions it lists.
      expect(
        (await authz.check({ ...investigate, resource: 'civil-affairs-hz/birth-records/1' }, caller)).allowed,
      ).toBe(false);
      expect((await authz.check({ ...investigate, action: 'write' }, caller)).allowed).toBe(false);

      clock.advance(30 * DAY - 1);
      expect((await authz.check(investigate, caller)).allowed).toBe(true);
      clock.advance(1);
      expect(await authz.check(investigate, caller)).toMatchObject({
        allowed: false,
        reason: 'no_matching_rule',
      });
    });

    it('stops a revoked delegation at once', async () => {
      await authz.createDelegation(sharingAgreement(), 'admin-a');
      await authz.approveDelegation('ca-ps-marriage', 'admin-b');
      const investigate = read('sun.police', 'civil-affairs-hz/marriage-records/7', {
        purpose: 'criminal-investigation',
      });
      expect((await authz.check(investigate, caller)).allowed).toBe(true);
      const revoked = await authz.revokeDelegation('ca-ps-marriage', 'admin-c', 'case closed');
      expect(revoked.status).toBe('revoked');
      expect((await authz.check(investigate, caller)).allowed).toBe(false);
      await expect(authz.revokeDelegation('ca-ps-marriage', 'admin-c')).rejects.toMatchObject({
        code: 'ERR_AUTHZ_CONFLICT',
      });
      expect((await authz.delegation('ca-ps-marriage')).status).toBe('revoked');
    });

    it('refuses approval by the delegation’s own author (two-person rule), and audits the refusal', async () => {
      await authz.createDelegation(sharingAgreement(), 'admin-a');
      await expect(authz.approveDelegation('ca-ps-marriage', 'admin-a')).rejects.toMatchObject({
        code: 'ERR_AUTHZ_CONFLICT',
      });
      expect((await authz.delegation('ca-ps-marriage')).status).toBe('pending');
      expect(audit.of('authz.delegation_approve')).toEqual([
        expect.objectContaining({ outcome: 'denied', actor: 'admin-a' }),
      ]);
      // Nor can it be approved twice, or once revoked.
      await authz.approveDelegation('ca-ps-marriage', 'admin-b');
      await expect(authz.approveDelegation('ca-ps-marriage', 'admin-c')).rejects.toMatchObject({
        code: 'ERR_AUTHZ_CONFLICT',
      });
    });

    it('lets a deny rule beat a grant: nobody but adoption officers reads sealed adoption records', async () => {
      const sealed = 'civil-affairs-hz/adoption-records/2001-17';
      expect(await authz.check(read('wang.clerk', sealed), caller)).toMatchObject({
        allowed: false,
        reason: 'denied_by_rule',
        ruleId: 'hz-sealed-adoptions',
      });
      // Not even under a delegation that lists them.
      await authz.createDelegation(sharingAgreement(), 'admin-a');
      await authz.approveDelegation('ca-ps-marriage', 'admin-b');
      expect(
        (await authz.check(read('sun.police', sealed, { purpose: 'criminal-investigation' }), caller))
          .allowed,
      ).toBe(false);
    });

    it('refuses a low sign-in where the rule needs substantial (step-up)', async () => {
      const certify = {
        subject: 'wang.clerk',
        action: 'certify',
        resource: 'civil-affairs-hz/marriage-records/2019-0042',
      };
      expect((await authz.check({ ...certify, acr: 'low' }, caller)).allowed).toBe(false);
      expect((await authz.check(certify, caller)).allowed).toBe(false);
      expect((await authz.check({ ...certify, acr: 'substantial' }, caller)).allowed).toBe(true);
      expect((await authz.check({ ...certify, acr: 'urn:onegate:acr:high' }, caller)).allowed).toBe(true);
    });
  });

  describe('bad input', () => {
    async function everything() {
      return {
        departments: await authz.departments(),
        roles: await authz.roles(),
        rules: await authz.rules(),
        delegations: await authz.delegations(),
        assignments: await authz.assignments({ department: 'civil-affairs-hz' }),
        engine: authz.engine.snapshot(),
      };
    }

    it('changes nothing, in the database or in force, and names the problem', async () => {
      const before = await everything();
      const events = audit.events.length;
      const refused: Array<[() => Promise<unknown>, string]> = [
        [
          () =>
            authz.putRule(
              { id: 'x', department: 'health', role: 'clerk', resources: ['health/*'], actions: ['read'] },
              'a',
            ),
          'ERR_AUTHZ_NOT_FOUND',
        ],
        [
          () =>
            authz.putRule(
              {
                id: 'x',
                department: 'civil-affairs-hz',
                role: 'nobody',
                resources: ['civil-affairs-hz/*'],
                actions: ['read'],
              },
              'a',
            ),
          'ERR_AUTHZ_NOT_FOUND',
        ],
        [
          () =>
            authz.putRule(
              {
                id: 'x',
                department: 'civil-affairs-hz',
                role: 'clerk',
                resources: ['civil-affairs-hz/.*'],
                actions: ['read'],
              },
              'a',
            ),
          'ERR_AUTHZ_INVALID',
        ],
        [
          () =>
            authz.putRule(
              {
                id: 'x',
                department: 'civil-affairs-hz',
                role: 'clerk',
                resources: ['civil-affairs-hz/(x)+'],
                actions: ['read'],
              },
              'a',
            ),
          'ERR_AUTHZ_INVALID',
        ],
        [
          () => authz.putRole({ department: 'civil-affairs-hz', name: 'clerk', inherits: ['clerk'] }, 'a'),
          'ERR_AUTHZ_CONFLICT',
        ],
        [
          () => authz.putDepartment({ id: 'civil-affairs', name: 'Loop', parent: 'civil-affairs-hz' }, 'a'),
          'ERR_AUTHZ_CONFLICT',
        ],
        [() => authz.removeDepartment('civil-affairs-hz', 'a'), 'ERR_AUTHZ_CONFLICT'],
        [() => authz.removeRole('civil-affairs-hz', 'clerk', 'a'), 'ERR_AUTHZ_CONFLICT'],
        [() => authz.removeRule('no-such-rule', 'a'), 'ERR_AUTHZ_NOT_FOUND'],
        [
          () => authz.assign({ subject: 'x', department: 'civil-affairs-hz', role: 'mayor' }, 'a'),
          'ERR_AUTHZ_NOT_FOUND',
        ],
        [
          () => authz.assign({ subject: 'a|b', department: 'civil-affairs-hz', role: 'clerk' }, 'a'),
          'ERR_AUTHZ_INVALID',
        ],
        [
          () => authz.unassign({ subject: 'nobody', department: 'civil-affairs-hz', role: 'clerk' }, 'a'),
          'ERR_AUTHZ_NOT_FOUND',
        ],
        [
          () => authz.createDelegation({ ...sharingAgreement(), toRole: 'chief' }, 'a'),
          'ERR_AUTHZ_NOT_FOUND',
        ],
        [() => authz.createDelegation({ ...sharingAgreement(), purposes: ['*'] }, 'a'), 'ERR_AUTHZ_INVALID'],
        [() => authz.approveDelegation('nothing-here', 'a'), 'ERR_AUTHZ_NOT_FOUND'],
        [
          () =>
            authz.replace(
              { departments: [{ id: 'x', name: 'X' }], roles: [{ department: 'y', name: 'r' }] },
              'a',
            ),
          'ERR_AUTHZ_NOT_FOUND',
        ],
        [() => authz.replace({ rules: 'all of them' }, 'a'), 'ERR_AUTHZ_INVALID'],
      ];
      for (const [attempt, code] of refused) await expect(attempt()).rejects.toMatchObject({ code });
      expect(await everything()).toEqual(before);
      expect(audit.events.length).toBe(events);
    });

    it('refuses a check about an unknown department or with a malformed resource', async () => {
      await expect(authz.check(read('wang.clerk', 'health/records/1'), caller)).rejects.toMatchObject({
        code: 'ERR_AUTHZ_NOT_FOUND',
      });
      for (const resource of [
        'civil-affairs-hz/../x',
        'civil-affairs-hz//x',
        'civil-affairs-hz/.*',
        'a|b',
        'civil-affairs-hz/(x)+',
      ]) {
        await expect(authz.check(read('wang.clerk', resource), caller)).rejects.toMatchObject({
          code: 'ERR_AUTHZ_INVALID',
        });
      }
      expect(audit.of('authz.decision')).toEqual([]);
    });
  });

  describe('batches', () => {
    it('answers up to 1,000 checks, each with its own decision id', async () => {
      const checks = Array.from({ length: 1000 }, (_, i) =>
        read(i % 2 ? 'wang.clerk' : 'sun.police', `civil-affairs-hz/marriage-records/${i}`),
      );
      const results = await authz.checkMany(checks, caller);
      expect(results.filter((r) => r.allowed)).toHaveLength(500);
      expect(new Set(results.map((r) => r.decisionId)).size).toBe(1000);
      expect(audit.of('authz.decision')).toHaveLength(1000);
    });

    it('refuses 1,001 checks, or one bad check among many, naming it, and audits nothing', async () => {
      const good = read('wang.clerk', 'civil-affairs-hz/marriage-records/1');
      await expect(
        authz.checkMany(
          Array.from({ length: 1001 }, () => good),
          caller,
        ),
      ).rejects.toMatchObject({
        code: 'ERR_AUTHZ_INVALID',
      });
      await expect(
        authz.checkMany([good, good, { ...good, resource: 'civil-affairs-hz/.*' }], caller),
      ).rejects.toMatchObject({
        code: 'ERR_AUTHZ_INVALID',
        message: expect.stringMatching(/^checks\[2\]: /) as unknown,
      });
      expect(audit.of('authz.decision')).toEqual([]);
    });
  });

  describe('audit', () => {
    it('records every deny with its decision id and the question, nothing personal beyond ids', async () => {
      const result = await authz.check(
        read('sun.police', 'civil-affairs-hz/marriage-records/9', { purpose: 'statistics' }),
        caller,
      );
      expect(audit.of('authz.decision')).toEqual([
        {
          action: 'authz.decision',
          outcome: 'denied',
          actor: 'records-app',
          clientId: 'records-app',
          subject: 'sun.police',
          reason: 'no_matching_rule',
          details: {
            decisionId: result.decisionId,
            subject: 'sun.police',
            action: 'read',
            resource: 'civil-affairs-hz/marriage-records/9',
            purpose: 'statistics',
            acr: 'low',
            ruleId: null,
            delegationId: null,
          },
        },
      ]);
    });

    it('records each admin change with who made it, before and after', async () => {
      const rule = await authz.rule('hz-clerk-read');
      await authz.putRule({ ...rule, actions: ['read', 'print'] }, 'admin-b');
      await authz.removeRule('hz-clerk-read', 'admin-c');
      const [put, removed] = [audit.of('authz.rule_put').at(-1)!, audit.of('authz.rule_remove')[0]!];
      expect(put).toMatchObject({ actor: 'admin-b', outcome: 'success' });
      expect(put.details).toMatchObject({
        before: { actions: ['read'] },
        after: { actions: ['read', 'print'] },
      });
      expect(removed).toMatchObject({
        actor: 'admin-c',
        details: { before: { id: 'hz-clerk-read' }, after: null },
      });
      expect(audit.of('authz.assignment_add')[0]).toMatchObject({
        actor: 'admin-a',
        subject: 'wang.clerk',
        details: { before: null, after: { subject: 'wang.clerk', role: 'clerk' } },
      });
      await authz.createDelegation(sharingAgreement(), 'admin-a');
      await authz.approveDelegation('ca-ps-marriage', 'admin-b');
      await authz.revokeDelegation('ca-ps-marriage', 'admin-c', 'case closed');
      expect(audit.of('authz.delegation_create')[0]).toMatchObject({
        actor: 'admin-a',
        details: { before: null, after: { status: 'pending' } },
      });
      expect(audit.of('authz.delegation_approve')[0]).toMatchObject({
        actor: 'admin-b',
        details: { before: { status: 'pending' }, after: { status: 'approved' } },
      });
      expect(audit.of('authz.delegation_revoke')[0]).toMatchObject({
        actor: 'admin-c',
        reason: 'case closed',
        details: { after: { status: 'revoked' } },
      });
    });

    it('does not record a change that changes nothing', async () => {
      const events = audit.events.length;
      const again = await authz.assign(
        { subject: 'wang.clerk', department: 'civil-affairs-hz', role: 'clerk' },
        'a',
      );
      expect(again.created).toBe(false);
      expect(audit.events.length).toBe(events);
    });
  });

  it('samples allow decisions at the configured rate, and still records every deny', async () => {
    await authz.stop();
    ({ authz, audit } = await startService(store, { clock: clock.now, auditAllowSampleRate: 0 }));
    await authz.checkMany(
      [
        read('wang.clerk', 'civil-affairs-hz/marriage-records/1'),
        read('sun.police', 'civil-affairs-hz/marriage-records/1'),
      ],
      caller,
    );
    expect(audit.of('authz.decision').map((e) => e.outcome)).toEqual(['denied']);
  });

  it('keeps the policy across a restart', async () => {
    await authz.createDelegation(sharingAgreement(), 'admin-a');
    await authz.approveDelegation('ca-ps-marriage', 'admin-b');
    const before = authz.engine.snapshot();
    await authz.stop();
    ({ authz, audit } = await startService(store, { clock: clock.now }));
    expect(sorted(authz.engine.snapshot())).toEqual(sorted(before));
    expect(
      (
        await authz.check(
          read('sun.police', 'civil-affairs-hz/marriage-records/1', { purpose: 'criminal-investigation' }),
          caller,
        )
      ).allowed,
    ).toBe(true);
  });

  it('replaces the whole policy at once, audited as one event with counts', async () => {
    const result = await authz.replace(
      {
        departments: [{ id: 'tax', name: 'Tax Bureau' }],
        roles: [{ department: 'tax', name: 'officer' }],
        assignments: [{ subject: 'zhou.tax', department: 'tax', role: 'officer' }],
        rules: [
          { id: 'tax-read', department: 'tax', role: 'officer', resources: ['tax/*'], actions: ['read'] },
        ],
      },
      'operator',
    );
    expect(result).toEqual({
      before: { departments: 3, roles: 3, assignments: 2, rules: 3, delegations: 0 },
      after: { departments: 1, roles: 1, assignments: 1, rules: 1, delegations: 0 },
    });
    expect(audit.of('authz.policy_replace')).toEqual([
      expect.objectContaining({ actor: 'operator', outcome: 'success', details: result }),
    ]);
    expect((await authz.departments()).map((d) => d.id)).toEqual(['tax']);
    expect((await authz.check(read('zhou.tax', 'tax/returns/2025'), caller)).allowed).toBe(true);
    await expect(
      authz.check(read('wang.clerk', 'civil-affairs-hz/marriage-records/1'), caller),
    ).rejects.toMatchObject({
      code: 'ERR_AUTHZ_NOT_FOUND',
    });
  });

  it('refuses a policy file whose approved delegation was approved by its author', async () => {
    const policy = {
      departments: [
        { id: 'a', name: 'A' },
        { id: 'b', name: 'B' },
      ],
      roles: [{ department: 'b', name: 'reader' }],
      delegations: [
        {
          ...sharingAgreement('a-to-b'),
          fromDepartment: 'a',
          toDepartment: 'b',
          toRole: 'reader',
          resources: ['a/*'],
          status: 'approved',
          createdBy: 'admin-a',
          approvedBy: 'admin-a',
        },
      ],
    };
    await expect(authz.replace(policy, 'operator')).rejects.toMatchObject({
      code: 'ERR_AUTHZ_INVALID',
      message: expect.stringMatching(/^delegations\[0\]: .*two-person/) as unknown,
    });
    expect((await authz.departments()).length).toBe(3);
  });

  describe('two instances on one database', () => {
    let other: AuthzService;
    let otherStore: Store;

    beforeEach(async () => {
      otherStore = await db.open();
      ({ authz: other } = await startService(otherStore, { clock: clock.now }));
    });
    afterEach(() => other?.stop());

    async function within(ms: number, predicate: () => Promise<boolean>): Promise<number> {
      const started = Date.now();
      while (!(await predicate())) {
        if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return Date.now() - started;
    }

    it('loads what the first one wrote', () => {
      expect(sorted(other.engine.snapshot())).toEqual(sorted(authz.engine.snapshot()));
    });

    it('enforces a change made through the other within a second', async () => {
      const investigate = read('sun.police', 'civil-affairs-hz/marriage-records/5', {
        purpose: 'criminal-investigation',
      });
      const allowedOnOther = async () => (await other.check(investigate, caller)).allowed;
      await authz.createDelegation(sharingAgreement(), 'admin-a');
      await authz.approveDelegation('ca-ps-marriage', 'admin-b');
      await within(1000, allowedOnOther);
      await authz.revokeDelegation('ca-ps-marriage', 'admin-c');
      await within(1000, async () => !(await allowedOnOther()));

      await other.assign({ subject: 'zhao.new', department: 'civil-affairs-hz', role: 'clerk' }, 'admin-b');
      await within(
        1000,
        async () => (await authz.check(read('zhao.new', 'civil-affairs-hz/x/1'), caller)).allowed,
      );
      await other.unassign({ subject: 'zhao.new', department: 'civil-affairs-hz', role: 'clerk' }, 'admin-b');
      await within(
        1000,
        async () => !(await authz.check(read('zhao.new', 'civil-affairs-hz/x/1'), caller)).allowed,
      );
    });

    it('keeps changes made through both at once consistent', async () => {
      // The second instance acts on a role the first created a moment ago, before the notice may have arrived.
      await authz.putRole({ department: 'public-security', name: 'analyst' }, 'admin-a');
      await other.assign(
        { subject: 'ma.analyst', department: 'public-security', role: 'analyst' },
        'admin-b',
      );
      await Promise.all([
        authz.putRule(
          {
            id: 'ps-read',
            department: 'public-security',
            role: 'analyst',
            resources: ['public-security/*'],
            actions: ['read'],
          },
          'admin-a',
        ),
        other.putRule(
          {
            id: 'ps-write',
            department: 'public-security',
            role: 'analyst',
            resources: ['public-security/*'],
            actions: ['write'],
          },
          'admin-b',
        ),
        other.putDepartment({ id: 'health', name: 'Health' }, 'admin-b'),
      ]);
      await within(1000, async () =>
        sameJson(sorted(authz.engine.snapshot()), sorted(other.engine.snapshot())),
      );
      // And what is in force is what is stored.
      expect(sorted(authz.engine.snapshot())).toEqual(sorted(await storedPolicy(authz)));
    });

    it('follows a whole replacement', async () => {
      await authz.replace({ departments: [{ id: 'tax', name: 'Tax' }] }, 'operator');
      await within(1000, async () => other.engine.snapshot().departments.length === 1);
      expect(other.engine.snapshot().rules).toEqual([]);
    });
  });
});

type Snapshot = ReturnType<AuthzService['engine']['snapshot']>;

function sorted(p: Snapshot): Snapshot {
  const by =
    <T>(key: (t: T) => string) =>
    (a: T, b: T) =>
      key(a).localeCompare(key(b));
  return {
    departments: [...p.departments].sort(by((d) => d.id)),
    roles: [...p.roles].sort(by((r) => `${r.department}/${r.name}`)),
    assignments: [...p.assignments].sort(by((a) => `${a.subject}/${a.department}/${a.role}`)),
    rules: [...p.rules].sort(by((r) => r.id)),
    delegations: [...p.delegations].sort(by((d) => d.id)),
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function storedPolicy(authz: AuthzService): Promise<Snapshot> {
  const departments = await authz.departments();
  const assignments = [];
  for (const d of departments) assignments.push(...(await authz.assignments({ department: d.id })));
  return {
    departments,
    roles: await authz.roles(),
    assignments,
    rules: await authz.rules(),
    delegations: await authz.delegations(),
  };
}

// Every schema's listeners hear every NOTIFY on the server: one OneGate must not take another's notices.
describe.runIf(postgresUrl)('two OneGates on one PostgreSQL server', () => {
  it('each follows only its own database’s changes', async () => {
    const [ours, theirs] = [await createTestDatabase('postgres'), await createTestDatabase('postgres')];
    const services: AuthzService[] = [];
    try {
      const start = async (db: TestDatabase) => {
        const { authz } = await startService(await db.open());
        services.push(authz);
        return authz;
      };
      const [writer, follower, foreign] = [await start(ours), await start(ours), await start(theirs)];
      await buildSamplePolicy(writer);
      await buildSamplePolicy(foreign);
      // Their next change is numbered like our next one; ours must still be followed.
      await foreign.putDepartment({ id: 'health', name: 'Health' }, 'admin-x');
      await new Promise((r) => setTimeout(r, 100));
      await writer.putDepartment({ id: 'tax', name: 'Tax' }, 'admin-a');
      await eventually(() => follower.engine.department('tax') !== undefined, 1000);
      expect(follower.engine.department('health')).toBeUndefined();
    } finally {
      for (const s of services) await s.stop();
      await ours.drop();
      await theirs.drop();
    }
  });
});
