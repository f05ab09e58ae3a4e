import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuthzError } from '../src/errors.ts';
import { PolicyEngine } from '../src/policy-engine.ts';
import { loadPolicyDirectory, readPolicyDirectory } from '../src/policy-files.ts';
import { lintPolicy } from '../src/policy-lint.ts';
import { PolicyFileError } from '../src/policy-yaml.ts';
import { CUSTOMS, POLICIES, TAX, delegationYaml, policyDir } from './policy-fixtures.ts';

/** The problems `loadPolicyDirectory` reports for `files`, one string each. */
async function problems(files: Record<string, string>): Promise<string[]> {
  const dir = policyDir(files);
  const err: unknown = await loadPolicyDirectory(dir).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PolicyFileError);
  expect((err as AuthzError).code).toBe('ERR_AUTHZ_INVALID');
  return (err as PolicyFileError).message.split('\n').map((line) => line.replaceAll(`${dir}/`, ''));
}

describe('the sample policy in policies/', () => {
  it('loads into the engine: four department families, delegations between them', async () => {
    const policy = await loadPolicyDirectory(POLICIES);
    const engine = await PolicyEngine.create();
    await engine.replace(policy);
    const snapshot = engine.snapshot();
    expect(snapshot.rules).toHaveLength(policy.rules.length);
    const tops = policy.departments.filter((d) => d.parent === undefined).map((d) => d.id);
    expect(tops.sort()).toEqual(['civil-affairs', 'health', 'public-security', 'social-security']);
    // Province → city → district in civil affairs, with at least two city offices.
    const cities = policy.departments.filter((d) => d.parent === 'civil-affairs');
    expect(cities.length).toBeGreaterThanOrEqual(2);
    expect(policy.departments.some((d) => cities.some((c) => c.id === d.parent))).toBe(true);
    const approved = policy.delegations.filter((d) => d.status === 'approved');
    expect(approved.length).toBeGreaterThanOrEqual(3);
    for (const d of approved) expect(d.approvedBy).not.toBe(d.createdBy);
  });

  it('reads delegation times as ISO 8601 with their offset', async () => {
    const { delegations } = await loadPolicyDirectory(POLICIES);
    const sharing = delegations.find((d) => d.id === 'ca-hz-marriage-to-ps-hz')!;
    expect(sharing.notBefore).toBe(Date.parse('2025-12-31T16:00:00Z'));
    expect(sharing.expiresAt).toBe(Date.parse('2027-12-31T16:00:00Z'));
  });

  it('lints without errors', async () => {
    const { policy } = await readPolicyDirectory(POLICIES);
    const findings = lintPolicy(policy, { now: Date.parse('2026-12-01T00:00:00Z') });
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    // The one agreement that ran out is flagged; nothing else warns.
    expect(findings.filter((f) => f.severity === 'warning')).toEqual([
      expect.objectContaining({
        code: 'expired-delegation',
        entity: { kind: 'delegation', id: 'ca-hz-household-to-ps-hz-census' },
      }),
    ]);
  });
});

describe('loadPolicyDirectory', () => {
  it('reads departments/*.yaml and delegations.yaml into one policy set', async () => {
    const dir = policyDir({
      'departments/tax.yaml': TAX,
      'departments/customs.yaml': CUSTOMS,
      'delegations.yaml': delegationYaml(),
      'departments/notes.txt': 'not policy',
    });
    const policy = await loadPolicyDirectory(dir);
    expect(policy.departments.map((d) => d.id)).toEqual(['customs', 'tax', 'tax-hangzhou']);
    expect(policy.roles).toContainEqual({
      department: 'tax',
      name: 'auditor',
      title: undefined,
      reachDown: true,
      inherits: [],
    });
    expect(policy.rules.find((r) => r.id === 'tax-auditor-read')).toMatchObject({
      purposes: ['audit'],
      minAcr: 'low',
      effect: 'allow',
    });
    expect(policy.delegations).toEqual([
      expect.objectContaining({ id: 'tax-to-customs', status: 'approved', approvedBy: 'dpo-tax-01' }),
    ]);
  });

  it('needs no delegations.yaml', async () => {
    const policy = await loadPolicyDirectory(policyDir({ 'departments/tax.yaml': TAX }));
    expect(policy.delegations).toEqual([]);
  });

  it('refuses an unknown key, suggesting the known one, with file, line and entity', async () => {
    const file = TAX.replace('name: auditor, reachDown: true', 'name: auditor, reachdown: true');
    expect(await problems({ 'departments/tax.yaml': file })).toEqual([
      'departments/tax.yaml:5: role tax/auditor: unknown key "reachdown" (did you mean "reachDown"?)',
    ]);
  });

  it('refuses an unknown key at the top of a file, and delegations outside delegations.yaml', async () => {
    expect(await problems({ 'departments/tax.yaml': `${TAX}rule:\n  - {}\n` })).toEqual([
      'departments/tax.yaml:22: unknown key "rule" (did you mean "rules"?)',
    ]);
    expect(await problems({ 'departments/tax.yaml': `${TAX}${delegationYaml()}` })).toEqual([
      'departments/tax.yaml:1: delegations belong in delegations.yaml, beside departments/',
    ]);
  });

  it('refuses a regex-like resource pattern', async () => {
    const file = TAX.replace('resources: [tax-hangzhou/returns/*]', 'resources: [tax-hangzhou/.*]');
    expect(await problems({ 'departments/tax.yaml': file })).toEqual([
      'departments/tax.yaml:11: rule tax-hz-inspector-returns: resource pattern segments are letters, digits, _ ~ - or a lone "*"',
    ]);
  });

  it('refuses names that do not exist, naming the entity that uses them', async () => {
    const file = TAX.replaceAll('tax-hangzhou/returns', 'tax-ningbo/returns').replace(
      'department: tax-hangzhou\n    role: inspector',
      'department: tax-ningbo\n    role: inspector',
    );
    expect(await problems({ 'departments/tax.yaml': file })).toEqual([
      'departments/tax.yaml:11: rule tax-hz-inspector-returns: department "tax-ningbo" is not a department',
    ]);
    expect(
      await problems({ 'departments/tax.yaml': TAX.replace('role: inspector }', 'role: examiner }') }),
    ).toEqual([
      'departments/tax.yaml:8: assignment inspector-01 as tax-hangzhou/examiner: role "examiner" is not a role of tax-hangzhou',
    ]);
  });

  it('refuses the same entity in two files, naming both places', async () => {
    const customs = CUSTOMS.replace('Office }\n', 'Office }\n  - { id: tax, name: Tax again }\n');
    expect(await problems({ 'departments/tax.yaml': TAX, 'departments/customs.yaml': customs })).toEqual([
      'departments/tax.yaml:2: department tax: already defined at departments/customs.yaml:3',
    ]);
  });

  it('reports every problem of every file at once', async () => {
    const out = await problems({
      'departments/tax.yaml': TAX.replace('actions: [read]', 'actions: [read, read]').replace(
        'reachDown: true',
        'reachDown: yes',
      ),
      'departments/customs.yaml': CUSTOMS.replace(
        '{ department: customs, name: agent }',
        '{ department: customs }',
      ),
      'delegations.yaml': delegationYaml({ approvedBy: 'admin-customs-01' }),
    });
    expect(out).toEqual([
      'departments/customs.yaml:4: roles[0]: role name must be a lowercase slug (a-z, 0-9, "-"; at most 64 characters)',
      'departments/tax.yaml:5: role tax/auditor: reachDown must be true or false',
      'departments/tax.yaml:11: rule tax-hz-inspector-returns: actions lists an entry twice',
      'delegations.yaml:2: delegation tax-to-customs: an approved delegation names its approver, who is not its author (two-person rule)',
    ]);
  });

  it('refuses delegation times that are not ISO 8601 with an offset', async () => {
    for (const notBefore of ['2026-01-01', '2026-01-01T00:00:00', '1767196800000', '2026-02-30T00:00:00Z']) {
      expect(
        await problems({
          'departments/tax.yaml': TAX,
          'departments/customs.yaml': CUSTOMS,
          'delegations.yaml': delegationYaml({ notBefore }),
        }),
      ).toEqual([
        'delegations.yaml:2: delegation tax-to-customs: notBefore must be an ISO 8601 date and time with offset, e.g. 2026-01-01T00:00:00+08:00',
      ]);
    }
  });

  it('wants a delegation to say its status, and a pending one to have no approver yet', async () => {
    const base = { 'departments/tax.yaml': TAX, 'departments/customs.yaml': CUSTOMS };
    expect(await problems({ ...base, 'delegations.yaml': delegationYaml({ status: undefined }) })).toEqual([
      'delegations.yaml:2: delegation tax-to-customs: status must be pending, approved or revoked',
    ]);
    expect(await problems({ ...base, 'delegations.yaml': delegationYaml({ status: 'pending' }) })).toEqual([
      'delegations.yaml:2: delegation tax-to-customs: a pending delegation has no approvedBy yet',
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with their line', async () => {
    const [syntax] = await problems({ 'departments/tax.yaml': `${TAX}  - id: [unclosed\n` });
    expect(syntax).toMatch(/^departments\/tax\.yaml:2\d: /);
    const [duplicate] = await problems({
      'departments/tax.yaml': TAX.replace('actions: [read]', 'actions: [read]\n    actions: [write]'),
    });
    expect(duplicate).toBe('departments/tax.yaml:16: Map keys must be unique');
  });

  it('refuses a folder without departments/ or with no *.yaml in it, and *.yml files', async () => {
    expect(await problems({ 'delegations.yaml': delegationYaml() })).toEqual([
      'departments: no such folder: a policy directory has departments/*.yaml',
    ]);
    expect(await problems({ 'departments/tax.yml': TAX })).toEqual([
      'departments/tax.yml: only *.yaml files are read: rename it',
      'departments: holds no *.yaml file',
    ]);
    expect(await problems({ 'departments/.keep': '' })).toEqual(['departments: holds no *.yaml file']);
  });
});

it('policies/ files can be read where the directory is given relatively', async () => {
  const policy = await loadPolicyDirectory(join(POLICIES, 'tests', '..'));
  expect(policy.departments.length).toBeGreaterThan(0);
});
