import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthzService } from '@onegate/authz';
import { engines } from '@onegate/store/testing';
import { cliDatabase, freshDataDir, json, onegate, type CliDatabase } from './run-onegate.ts';

const POLICIES = fileURLToPath(new URL('../../../policies', import.meta.url));
const SAMPLE_COUNTS = { departments: 10, roles: 18, assignments: 19, rules: 28, delegations: 5 };

/** A copy of the sample policy with `edit` applied to one of its files (path relative to policies/). */
function sampleWith(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'onegate-policies-'));
  cpSync(POLICIES, dir, { recursive: true });
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  writeFileSync(path, after);
  return dir;
}

const BAD_INPUT: Array<[string, string, (text: string) => string, RegExp]> = [
  [
    'an unknown key',
    'departments/health.yaml',
    (t) => t.replace('minAcr: substantial', 'minacr: substantial'),
    /health\.yaml:\d+: rule health-hz-doctor-records: unknown key "minacr" \(did you mean "minAcr"\?\)/,
  ],
  [
    'a regex-like resource pattern',
    'departments/civil-affairs.yaml',
    (t) => t.replace('resources: [civil-affairs/*]', 'resources: [civil-affairs/.*]'),
    /civil-affairs\.yaml:\d+: rule ca-auditor-read: resource pattern segments are letters, digits, _ ~ - or a lone "\*"/,
  ],
  [
    'an unknown department',
    'delegations.yaml',
    (t) => t.replace('toDepartment: social-security-hangzhou', 'toDepartment: social-security-wenzhou'),
    /delegations\.yaml:\d+: delegation health-hz-disability-to-ss-hz: toDepartment "social-security-wenzhou" is not a department/,
  ],
];

describe('onegate policy test', () => {
  it('runs the sample tests and says how many passed', async () => {
    const result = await onegate(['policy', 'test', join(POLICIES, 'tests')], {});
    expect(result.stdout).toMatch(/^\d+ passed, 0 failed\n$/);
    expect(result.code).toBe(0);
  });

  it('prints each failed check with file, line, index, expected and actual answers and the deciding rule; exits 1', async () => {
    const dir = sampleWith('tests/civil-affairs.yaml', (t) =>
      t.replace('expect: deny\n    rule: ca-hz-adoption-sealed', 'expect: allow'),
    );
    const result = await onegate(['policy', 'test', join(dir, 'tests')], {});
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      new RegExp(
        [
          `FAIL ${join(dir, 'tests/civil-affairs.yaml')}:\\d+ checks\\[7\\] \\(civil affairs offices, levels and regions\\)`,
          '  registrar-hz-01 read civil-affairs-hangzhou/adoption-records/2021-0007 purpose=- acr=high at 2026-12-01T01:00:00.000Z',
          '  expected allow, got deny by rule ca-hz-adoption-sealed',
        ].join('\n'),
      ),
    );
    expect(result.stdout).toMatch(/\n\d+ passed, 1 failed\n$/);

    const report = json<{ failed: number; results: Array<{ passed: boolean; index: number }> }>(
      await onegate(['policy', 'test', join(dir, 'tests'), '--json'], {}),
    );
    expect(report.failed).toBe(1);
    expect(report.results.filter((r) => !r.passed).map((r) => r.index)).toEqual([7]);
  });

  it('refuses a malformed test file with exit 2, running nothing', async () => {
    const dir = sampleWith('tests/step-up.yaml', (t) => t.replace('expect: allow', 'expected: allow'));
    const result = await onegate(['policy', 'test', join(dir, 'tests')], {});
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /step-up\.yaml:\d+: checks\[1\]: unknown key "expected" \(did you mean "expect"\?\)/,
    );
    expect(result.stderr).toMatch(/onegate: a problem in the policy files; no test ran\n$/);
  });
});

describe('onegate policy lint', () => {
  it('prints warnings and infos of the sample with their place, and exits 0 without errors', async () => {
    const result = await onegate(['policy', 'lint', POLICIES, '--at', '2026-12-01T00:00:00Z'], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `${join(POLICIES, 'delegations.yaml')}:21: warning: delegation ca-hz-household-to-ps-hz-census: expired at 2025-12-31T16:00:00Z: it grants nothing [expired-delegation]`,
    );
    expect(result.stdout).toMatch(/\n0 errors, 1 warning, 2 infos\n$/);
  });

  it('exits 1 on an error, such as roles inheriting in a circle', async () => {
    const dir = sampleWith('departments/health.yaml', (t) =>
      t
        .replace('name: doctor, title: Doctor }', 'name: doctor, title: Doctor, inherits: [nurse] }')
        .replace('name: nurse, title: Nurse }', 'name: nurse, title: Nurse, inherits: [doctor] }'),
    );
    const result = await onegate(['policy', 'lint', dir, '--json'], {});
    expect(result.code).toBe(1);
    expect(json<unknown[]>(result)).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        code: 'role-cycle',
        entity: { kind: 'role', id: 'health-hangzhou/doctor' },
        file: join(dir, 'departments/health.yaml'),
      }),
    );
  });
});

describe('onegate policy load --dry-run', () => {
  it('validates the sample and prints its counts, touching no database', async () => {
    const dataDir = freshDataDir();
    const text = await onegate(['policy', 'load', POLICIES, '--dry-run'], { ONEGATE_DATA_DIR: dataDir });
    expect(text.stdout).toBe(
      `${POLICIES}: 10 departments, 18 roles, 19 assignments, 28 rules, 5 delegations: valid; nothing loaded (--dry-run)\n`,
    );
    expect(text.code).toBe(0);
    const result = await onegate(['policy', 'load', POLICIES, '--dry-run', '--json'], {
      ONEGATE_DATA_DIR: dataDir,
    });
    expect(json(result)).toEqual({ dryRun: true, counts: SAMPLE_COUNTS });
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it.each(BAD_INPUT)(
    'refuses %s: exit 2, a message naming file, line and entity',
    async (_, file, edit, message) => {
      const dataDir = freshDataDir();
      const result = await onegate(['policy', 'load', sampleWith(file, edit)], { ONEGATE_DATA_DIR: dataDir });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/onegate: a problem in the policy files; nothing was loaded\n$/);
      // Refused before the database is opened: not even created.
      expect(existsSync(join(dataDir, 'onegate.db'))).toBe(false);
    },
  );
});

describe.each(engines)('onegate policy load (%s)', { timeout: 60_000 }, (engine) => {
  let db: CliDatabase;

  beforeAll(async () => {
    db = await cliDatabase(engine);
  });
  afterAll(() => db.drop());

  /** The policy in the database, as a freshly started service reads it. */
  async function stored() {
    const store = await db.open();
    const authz = await AuthzService.create({ store, audit: { write: async () => undefined } });
    try {
      await authz.start();
      return authz.engine;
    } finally {
      await authz.stop();
      await store.close();
    }
  }

  it('replaces the stored policy with the files', async () => {
    const result = await onegate(['policy', 'load', POLICIES, '--json'], db.env);
    expect(result.code).toBe(0);
    expect(json(result)).toMatchObject({ after: SAMPLE_COUNTS });
    const engine = await stored();
    expect(engine.snapshot().rules).toHaveLength(SAMPLE_COUNTS.rules);
    const read = {
      action: 'read',
      resource: 'civil-affairs-hangzhou/marriage-records/2019-0042',
      acr: 'low' as const,
    };
    expect(engine.check({ subject: 'clerk-hz-01', ...read }).allowed).toBe(true);
    expect(engine.check({ subject: 'clerk-nb-01', ...read }).allowed).toBe(false);
  });

  it.each(BAD_INPUT)('refuses %s and leaves the stored policy as it was', async (_, file, edit, message) => {
    const result = await onegate(['policy', 'load', sampleWith(file, edit)], db.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    const engine = await stored();
    const snapshot = engine.snapshot();
    expect(
      Object.fromEntries(Object.entries(snapshot).map(([k, v]) => [k, (v as unknown[]).length])),
    ).toEqual(SAMPLE_COUNTS);
  });
});
