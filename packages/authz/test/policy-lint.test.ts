import { describe, expect, it } from 'vitest';
import { toCasbinLines } from '../src/casbin-lines.ts';
import { isAuthzError } from '../src/errors.ts';
import { PolicyEngine } from '../src/policy-engine.ts';
import { lintPolicy, patternCovers, type LintFinding } from '../src/policy-lint.ts';
import type { Delegation, Department, PolicySet, Rule } from '../src/policy.ts';
import { random, randomPolicy, randomRequest } from './random-policies.ts';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T00:00:00Z');

function rule(fields: Partial<Rule> & Pick<Rule, 'id'>): Rule {
  return {
    department: 'tax',
    role: 'inspector',
    resources: ['tax/returns/*'],
    actions: ['read'],
    purposes: ['*'],
    minAcr: 'low',
    effect: 'allow',
    ...fields,
  };
}

function delegation(fields: Partial<Delegation> = {}): Delegation {
  return {
    id: 'tax-to-customs',
    fromDepartment: 'tax',
    toDepartment: 'customs',
    toRole: 'agent',
    resources: ['tax/returns/*'],
    actions: ['read'],
    purposes: ['import-duty-audit'],
    notBefore: NOW - 100 * DAY,
    expiresAt: NOW + 100 * DAY,
    minAcr: 'substantial',
    reason: 'import values',
    createdBy: 'admin-customs-01',
    approvedBy: 'dpo-tax-01',
    status: 'approved',
    ...fields,
  };
}

/** Tax (with a city office) and customs, everybody's role held, nothing to find. */
function clean(): PolicySet {
  return {
    departments: [
      { id: 'tax', name: 'Tax' },
      { id: 'tax-hz', name: 'Tax Hangzhou', parent: 'tax' },
      { id: 'customs', name: 'Customs' },
    ],
    roles: [
      { department: 'tax', name: 'inspector', reachDown: false, inherits: [] },
      { department: 'tax', name: 'chief', reachDown: false, inherits: ['inspector'] },
      { department: 'customs', name: 'agent', reachDown: false, inherits: [] },
    ],
    assignments: [
      { subject: 'chief-01', department: 'tax', role: 'chief' },
      { subject: 'agent-01', department: 'customs', role: 'agent' },
    ],
    rules: [rule({ id: 'inspector-read', purposes: ['import-duty-audit'] })],
    delegations: [delegation()],
  };
}

const lint = (policy: PolicySet) => lintPolicy(policy, { now: NOW });
const codes = (findings: LintFinding[]) =>
  findings.map((f) => `${f.severity} ${f.code} ${f.entity.kind} ${f.entity.id}`);

describe('lintPolicy', () => {
  it('finds nothing in a clean policy (a role held only through inheritance counts as held)', () => {
    expect(lint(clean())).toEqual([]);
  });

  it('reports role cycles without crashing, on a set the engine refuses', async () => {
    const policy = clean();
    policy.roles = [
      { department: 'tax', name: 'inspector', reachDown: false, inherits: ['chief'] },
      { department: 'tax', name: 'chief', reachDown: false, inherits: ['inspector'] },
      { department: 'tax', name: 'deputy', reachDown: false, inherits: ['deputy'] },
      ...policy.roles.slice(2),
    ];
    const engine = await PolicyEngine.create();
    const refused: unknown = await engine.replace(policy).catch((e: unknown) => e);
    expect(isAuthzError(refused)).toBe(true);
    const findings = lint(policy).filter((f) => f.code === 'role-cycle');
    expect(findings).toEqual([
      {
        severity: 'error',
        code: 'role-cycle',
        entity: { kind: 'role', id: 'tax/chief' },
        message: 'roles inherit in a circle: chief → inspector → chief',
      },
      {
        severity: 'error',
        code: 'role-cycle',
        entity: { kind: 'role', id: 'tax/deputy' },
        message: 'roles inherit in a circle: deputy → deputy',
      },
    ]);
  });

  it('reports names that do not exist', () => {
    const policy = clean();
    policy.departments.push({ id: 'tax-nb', name: 'Tax Ningbo', parent: 'taxes' });
    policy.roles.push({ department: 'tax', name: 'clerk', reachDown: false, inherits: ['typist'] });
    policy.assignments.push({ subject: 'x-01', department: 'tax', role: 'chef' });
    policy.rules.push(rule({ id: 'sealed', role: '*', except: 'chef', effect: 'deny' }));
    policy.delegations.push(delegation({ id: 'to-police', toDepartment: 'police' }));
    expect(codes(lint(policy).filter((f) => f.severity === 'error'))).toEqual([
      'error unknown-department department tax-nb',
      'error unknown-role role tax/clerk',
      'error unknown-role assignment x-01 as tax/chef',
      'error unknown-role rule sealed',
      'error unknown-department delegation to-police',
    ]);
  });

  it('reports department cycles once, and hierarchies deeper than the engine accepts', async () => {
    const policy = clean();
    policy.departments.push(
      { id: 'a', name: 'A', parent: 'c' },
      { id: 'b', name: 'B', parent: 'a' },
      { id: 'c', name: 'C', parent: 'b' },
      { id: 'd', name: 'D', parent: 'c' },
    );
    expect(codes(lint(policy))).toEqual(['error department-cycle department a']);
    expect(lint(policy)[0]!.message).toBe('departments are their own ancestors: a → c → b → a');

    // A chain of 11 departments (10 links) is as deep as Casbin follows; 12 is one too many.
    const chain = (n: number): PolicySet => {
      const departments: Department[] = [{ id: 'l0', name: 'L0' }];
      for (let i = 1; i < n; i++) departments.push({ id: `l${i}`, name: `L${i}`, parent: `l${i - 1}` });
      return { departments, roles: [], assignments: [], rules: [], delegations: [] };
    };
    const engine = await PolicyEngine.create();
    await engine.replace(chain(11));
    expect(lint(chain(11))).toEqual([]);
    await expect(engine.replace(chain(12))).rejects.toThrow(/at most 10 levels/);
    expect(codes(lint(chain(13)))).toEqual(['error hierarchy-too-deep department l11']);
  });

  it('warns of rules and delegations for a role nobody holds', () => {
    const policy = clean();
    policy.roles.push({ department: 'tax', name: 'archivist', reachDown: false, inherits: [] });
    policy.rules.push(rule({ id: 'archive', role: 'archivist' }));
    policy.assignments = policy.assignments.filter((a) => a.role !== 'agent');
    expect(codes(lint(policy))).toEqual([
      'warning unheld-role rule archive',
      'warning unheld-role delegation tax-to-customs',
    ]);
  });

  it('warns of an allow rule that a deny rule fully covers', () => {
    const policy = clean();
    policy.rules = [
      rule({ id: 'returns-2025', resources: ['tax/returns/2025/*'], actions: ['read', 'export'] }),
      rule({ id: 'returns-sealed', role: 'chief', resources: ['tax/*'], actions: ['*'], effect: 'deny' }),
      rule({ id: 'chief-read', role: 'chief', resources: ['tax/returns/2024'], purposes: ['audit'] }),
      rule({ id: 'everyone-sealed', role: '*', resources: ['tax/returns/2024'], effect: 'deny' }),
    ];
    // `chief` inherits `inspector`, so a deny for `chief` does not cover inspectors; one for everyone does.
    expect(codes(lint(policy)).filter((c) => c.includes('shadowed'))).toEqual([
      'warning shadowed-rule rule chief-read',
    ]);
    policy.rules[1] = rule({
      id: 'returns-sealed',
      role: 'inspector',
      resources: ['tax/*'],
      actions: ['*'],
      effect: 'deny',
    });
    expect(codes(lint(policy)).filter((c) => c.includes('shadowed'))).toEqual([
      'warning shadowed-rule rule returns-2025',
      'warning shadowed-rule rule chief-read',
    ]);
  });

  it('does not call a rule shadowed when some request still gets through', () => {
    const base = clean();
    const allow = rule({ id: 'read', resources: ['tax/returns/*'], actions: ['read'], purposes: ['audit'] });
    const cases: Rule[] = [
      rule({ id: 'd', resources: ['tax/returns/2025'], effect: 'deny' }), // narrower resources
      rule({ id: 'd', actions: ['export'], effect: 'deny' }), // another action
      rule({ id: 'd', purposes: ['marketing'], effect: 'deny' }), // another purpose
      rule({ id: 'd', role: '*', except: 'chief', effect: 'deny' }), // chiefs are inspectors too, and escape it
      rule({ id: 'd', department: 'tax-hz', role: '*', resources: ['tax-hz/*'], effect: 'deny' }), // elsewhere
    ];
    for (const deny of cases) {
      expect(lint({ ...base, rules: [allow, deny] }).filter((f) => f.code === 'shadowed-rule')).toEqual([]);
    }
    // A reaching allow also grants below, where a deny of its own department's does not reach.
    const reaching = {
      ...base,
      roles: base.roles.map((r) => (r.name === 'inspector' ? { ...r, reachDown: true } : r)),
    };
    const everyone = rule({ id: 'd', role: '*', resources: ['tax/*'], actions: ['*'], effect: 'deny' });
    expect(lint({ ...reaching, rules: [allow, everyone] }).filter((f) => f.code === 'shadowed-rule')).toEqual(
      [],
    );
  });

  it('warns of expired delegations, tells of ones expiring within 30 days and of lone purposes', () => {
    const policy = clean();
    policy.delegations = [
      delegation({ id: 'old', expiresAt: NOW }),
      delegation({ id: 'ending', expiresAt: NOW + 30 * DAY }),
      delegation({ id: 'lasting', expiresAt: NOW + 31 * DAY }),
      delegation({ id: 'revoked', expiresAt: NOW - DAY, status: 'revoked' }),
      delegation({ id: 'typo', purposes: ['import-duty-adit'] }),
    ];
    expect(codes(lint(policy))).toEqual([
      'warning expired-delegation delegation old',
      'info expiring-delegation delegation ending',
      'info lone-purpose delegation typo',
    ]);
  });

  it('calls a delegation approved by its own author an error', () => {
    const policy = clean();
    policy.delegations = [delegation({ approvedBy: 'admin-customs-01' })];
    expect(codes(lint(policy))).toEqual(['error self-approved-delegation delegation tax-to-customs']);
  });

  it('reports the same entity twice', () => {
    const policy = clean();
    policy.rules.push(policy.rules[0]!);
    expect(codes(lint(policy))).toEqual(['error duplicate rule inspector-read']);
  });
});

describe('patternCovers', () => {
  it.each([
    ['tax/returns/*', 'tax/returns/*', true],
    ['tax/returns/*', 'tax/returns/2025', true],
    ['tax/returns/*', 'tax/returns/2025/*', true],
    ['tax/returns/*', 'tax/returns/*/q1', true],
    ['tax/*', 'tax/returns', true],
    ['tax/returns/*', 'tax/returns', false],
    ['tax/returns/*', 'tax/*', false],
    ['tax/returns/*', 'tax/*/2025', false],
    ['tax/returns/2025', 'tax/returns/*', false],
    ['tax/*/2025', 'tax/returns/2025', false], // true, but not claimed: only trailing wildcards are compared
  ])('%s covers %s: %s', (p, q, covers) => {
    expect(patternCovers(p, q)).toBe(covers);
  });
});

describe('lint findings hold on random policies', () => {
  it('a rule called shadowed or unheld never decides, whatever the request', async () => {
    const flagged = { 'shadowed-rule': 0, 'unheld-role': 0 };
    for (let seed = 1; seed <= 1500; seed++) {
      const rnd = random(seed);
      const policy = randomPolicy(rnd);
      const findings = lintPolicy(policy, { now: 0 });
      const never = new Set(
        findings
          .filter((f) => f.code === 'shadowed-rule' || f.code === 'unheld-role')
          .map((f) => f.entity.id),
      );
      if (never.size === 0) continue;
      for (const f of findings) if (f.code === 'shadowed-rule' || f.code === 'unheld-role') flagged[f.code]++;
      const engine = await PolicyEngine.create();
      await engine.replace(policy);
      const lines = toCasbinLines(policy);
      for (let i = 0; i < 200; i++) {
        const decision = engine.decide(randomRequest(rnd, lines));
        const by = decision.ruleId ?? decision.delegationId;
        if (by !== undefined && never.has(by))
          expect.fail(`seed ${seed}: ${by} decided ${JSON.stringify(decision)}`);
      }
    }
    // Enough of each that the agreement means something.
    expect(flagged['shadowed-rule']).toBeGreaterThan(20);
    expect(flagged['unheld-role']).toBeGreaterThan(20);
  });
});
