import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPolicyTests, type PolicyTestResult } from '../src/policy-tests.ts';
import { PolicyFileError } from '../src/policy-yaml.ts';
import { CUSTOMS, POLICIES, TAX, delegationYaml, policyDir } from './policy-fixtures.ts';

/** A folder with the TAX/CUSTOMS policy beside a `tests/` folder holding `tests`. */
function withTests(tests: Record<string, string>, policy: Record<string, string> = {}): string {
  const files: Record<string, string> = {
    'departments/tax.yaml': TAX,
    'departments/customs.yaml': CUSTOMS,
    'delegations.yaml': delegationYaml(),
    ...policy,
  };
  for (const [name, text] of Object.entries(tests)) files[`tests/${name}`] = text;
  return join(policyDir(files), 'tests');
}

async function invalidTests(dir: string): Promise<string[]> {
  const err: unknown = await runPolicyTests(dir).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PolicyFileError);
  return (err as PolicyFileError).message.split('\n').map((l) => l.replaceAll(`${join(dir, '..')}/`, ''));
}

const READ_RETURN = `
  - subject: inspector-01
    action: read
    resource: tax-hangzhou/returns/2025-0001
    acr: low`;

describe('the sample policy tests in policies/tests', () => {
  it('all pass', async () => {
    const report = await runPolicyTests(join(POLICIES, 'tests'));
    const failed = report.results.filter((r) => !r.passed);
    expect(failed).toEqual([]);
    expect(report.files).toBeGreaterThanOrEqual(4);
    expect(report.passed).toBe(report.results.length);
  });

  it("cover the issue's scenarios", async () => {
    const { results } = await runPolicyTests(join(POLICIES, 'tests'));
    const has = (expected: 'allow' | 'deny', match: (r: PolicyTestResult) => boolean) =>
      expect(results.some((r) => r.passed && r.actual === expected && match(r))).toBe(true);
    const q = (r: PolicyTestResult) => r.request;
    // A clerk reads her department's records.
    has(
      'allow',
      (r) => q(r).subject === 'clerk-hz-01' && q(r).resource.startsWith('civil-affairs-hangzhou/'),
    );
    // An investigator of another department reads them under a valid delegation, for the listed purpose ...
    const sharing = (r: PolicyTestResult) =>
      q(r).subject === 'investigator-hz-01' &&
      q(r).resource.startsWith('civil-affairs-hangzhou/marriage-records/');
    has('allow', (r) => sharing(r) && r.decision?.delegationId === 'ca-hz-marriage-to-ps-hz');
    // ... is refused for another purpose, and after expiry.
    has('deny', (r) => sharing(r) && q(r).purpose !== 'criminal-investigation' && q(r).acr === 'substantial');
    has(
      'deny',
      (r) => sharing(r) && q(r).purpose === 'criminal-investigation' && r.at >= '2027-12-31T16:00:00.000Z',
    );
    // A deny rule beats a role grant.
    has('deny', (r) => q(r).subject === 'registrar-hz-01' && r.decision?.ruleId === 'ca-hz-adoption-sealed');
    // A rule requiring substantial refuses a low sign-in.
    has('deny', (r) => q(r).subject === 'doctor-hz-01' && q(r).acr === 'low');
    // The provincial auditor reaches down to a district office; a city auditor not up or sideways.
    has(
      'allow',
      (r) => q(r).subject === 'auditor-zj-01' && q(r).resource.startsWith('civil-affairs-hangzhou-xihu/'),
    );
    has('deny', (r) => q(r).subject === 'auditor-hz-01' && q(r).resource.startsWith('civil-affairs/'));
    has('deny', (r) => q(r).subject === 'auditor-hz-01' && q(r).resource.startsWith('civil-affairs-ningbo/'));
  });
});

describe('runPolicyTests', () => {
  it('reports a failed check with its file, line, index, both answers and the deciding rule', async () => {
    const dir = withTests({
      'a.yaml': `name: inspectors
at: 2026-12-01T00:00:00Z
checks:${READ_RETURN}
    expect: allow
    rule: tax-hz-inspector-returns${READ_RETURN}
    expect: deny
`,
    });
    const report = await runPolicyTests(dir);
    expect(report).toMatchObject({ files: 1, passed: 1, failed: 1 });
    expect(report.results[1]).toEqual({
      file: join(dir, 'a.yaml'),
      line: 10,
      name: 'inspectors',
      index: 1,
      request: {
        subject: 'inspector-01',
        action: 'read',
        resource: 'tax-hangzhou/returns/2025-0001',
        purpose: undefined,
        acr: 'low',
      },
      at: '2026-12-01T00:00:00.000Z',
      expected: { effect: 'deny', rule: undefined, delegation: undefined },
      actual: 'allow',
      decision: { allowed: true, reason: 'allowed', ruleId: 'tax-hz-inspector-returns' },
      passed: false,
    });
  });

  it('fails a check decided by another rule or delegation than the one expected', async () => {
    const dir = withTests({
      'a.yaml': `name: which rule
at: 2026-12-01T00:00:00Z
checks:${READ_RETURN}
    expect: allow
    rule: tax-auditor-read
  - { subject: agent-01, action: read, resource: tax-hangzhou/returns/1, purpose: import-duty-audit, acr: high, expect: allow, delegation: other }
`,
    });
    const { results } = await runPolicyTests(dir);
    expect(results.map((r) => [r.actual, r.passed])).toEqual([
      ['allow', false],
      ['allow', false],
    ]);
  });

  it('runs each check at the file clock or its own, against delegations windows', async () => {
    const agent = (at: string, expect: string) =>
      `\n  - { subject: agent-01, action: read, resource: tax-hangzhou/returns/1, purpose: import-duty-audit, acr: high, ${at} expect: ${expect} }`;
    const dir = withTests({
      'a.yaml': `name: windows\nat: 2026-06-01T00:00:00+08:00\nchecks:${agent('', 'allow')}${agent(
        "at: '2027-01-01T00:00:00+08:00',",
        'deny',
      )}${agent("at: '2026-12-31T23:59:59.999+08:00',", 'allow')}${agent("at: '2025-12-31T23:59:59+08:00',", 'deny')}\n`,
    });
    const report = await runPolicyTests(dir);
    expect(report.results.map((r) => r.passed)).toEqual([true, true, true, true]);
    expect(report.results.map((r) => r.at)).toEqual([
      '2026-05-31T16:00:00.000Z',
      '2026-12-31T16:00:00.000Z',
      '2026-12-31T15:59:59.999Z',
      '2025-12-31T15:59:59.000Z',
    ]);
  });

  it('fails, not crashes, on a check about a department that does not exist', async () => {
    const dir = withTests({
      'a.yaml': `name: x\nat: 2026-12-01T00:00:00Z\nchecks:\n  - { subject: a, action: read, resource: police/x, expect: deny }\n`,
    });
    const [result] = (await runPolicyTests(dir)).results;
    expect(result).toMatchObject({ actual: 'error', error: 'no department "police"', passed: false });
  });

  it('takes entities given inline on top of the policy, replacing those of the same name', async () => {
    const dir = withTests({
      'a.yaml': `name: what if
at: 2026-12-01T00:00:00Z
given:
  roles:
    - { department: tax-hangzhou, name: clerk }
  assignments:
    - { subject: clerk-01, department: tax-hangzhou, role: clerk }
  rules:
    - { id: tax-hz-inspector-returns, department: tax-hangzhou, role: clerk, resources: [tax-hangzhou/returns/*], actions: [read] }
checks:${READ_RETURN}
    expect: deny
  - { subject: clerk-01, action: read, resource: tax-hangzhou/returns/1, acr: low, expect: allow, rule: tax-hz-inspector-returns }
`,
    });
    const report = await runPolicyTests(dir);
    expect(report.results.map((r) => r.passed)).toEqual([true, true]);
  });

  it('runs a self-contained test with policy: none', async () => {
    const dir = withTests({
      'a.yaml': `name: alone
at: 2026-12-01T00:00:00Z
policy: none
given:
  departments: [{ id: lab, name: Lab }]
  roles: [{ department: lab, name: tech }]
  assignments: [{ subject: t-1, department: lab, role: tech }]
  rules: [{ id: lab-read, department: lab, role: tech, resources: [lab/*], actions: [read] }]
checks:
  - { subject: t-1, action: read, resource: lab/sample-1, acr: low, expect: allow }
  - { subject: inspector-01, action: read, resource: lab/sample-1, acr: low, expect: deny }
`,
    });
    expect((await runPolicyTests(dir)).results.map((r) => r.passed)).toEqual([true, true]);
  });

  it('runs one file when given a file', async () => {
    const dir = withTests({
      'a.yaml': `name: one\nat: 2026-12-01T00:00:00Z\nchecks:${READ_RETURN}\n    expect: allow\n`,
      'b.yaml': `name: two\nat: 2026-12-01T00:00:00Z\nchecks:${READ_RETURN}\n    expect: deny\n`,
    });
    expect(await runPolicyTests(join(dir, 'a.yaml'))).toMatchObject({ files: 1, passed: 1, failed: 0 });
  });

  it('refuses malformed test files, naming file, line and check, and runs nothing', async () => {
    const dir = withTests({
      'a.yaml': `name: fine\nat: 2026-12-01T00:00:00Z\nchecks:${READ_RETURN}\n    expect: allow\n`,
      'b.yaml': `name: typo
at: 2026-12-01T00:00:00Z
checks:${READ_RETURN}
    expect: allow
    purpse: audit
  - { subject: inspector-01, action: read, resource: tax-hangzhou/.*, expect: deny }
  - { subject: inspector-01, action: read, resource: tax-hangzhou/x, expect: allowed }
`,
      'c.yaml': `name: no clock\nchecks:${READ_RETURN}\n    expect: allow\nwhen: now\n`,
      'd.yaml': `name: bad given
at: 2026-12-01T00:00:00Z
given:
  assignments: [{ subject: x-1, department: tax, role: clerk }]
checks:${READ_RETURN}
    expect: allow
`,
    });
    expect(await invalidTests(dir)).toEqual([
      'tests/b.yaml:9: checks[0]: unknown key "purpse" (did you mean "purpose"?)',
      'tests/b.yaml:10: checks[1]: resource segments may hold only letters, digits and . _ ~ -',
      'tests/b.yaml:11: checks[2]: expect must be allow or deny',
      'tests/c.yaml:8: unknown key "when" (known keys: name, at, policy, given, checks)',
      'tests/d.yaml:4: assignment x-1 as tax/clerk: role "clerk" is not a role of tax',
    ]);
  });

  it('needs a clock, and reports a policy directory that does not load once', async () => {
    const dir = withTests(
      {
        'a.yaml': `name: no clock\nchecks:${READ_RETURN}\n    expect: allow\n`,
        'b.yaml': `name: b\nat: 2026-12-01T00:00:00Z\nchecks:${READ_RETURN}\n    expect: allow\n`,
      },
      { 'departments/customs.yaml': CUSTOMS.replace('name: agent', 'name: Agent') },
    );
    expect(await invalidTests(dir)).toEqual([
      'tests/a.yaml: at (the clock the checks run at) must be an ISO 8601 date and time with offset, e.g. 2026-01-01T00:00:00+08:00',
      'departments/customs.yaml:4: role customs/Agent: role name must be a lowercase slug (a-z, 0-9, "-"; at most 64 characters)',
      'tests/a.yaml: policy .. does not load',
      'tests/b.yaml: policy .. does not load',
    ]);
  });

  it('refuses a folder without tests', async () => {
    const dir = withTests({});
    expect(await invalidTests(join(dir, 'missing'))).toEqual([
      expect.stringMatching(/missing: no such file or folder$/),
    ]);
  });
});
