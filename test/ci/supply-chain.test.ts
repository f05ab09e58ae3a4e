import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assess, readAuditOutput, readRemediationDays, type Advisory } from './audit-sla.ts';
import { checkLockfile, checkNpmrc } from './lockfile-sources.ts';
import { checkSbom } from './sbom.ts';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

describe('the lockfile check (ASVS 15.1.2)', () => {
  const entry = (key: string, resolution: string) => `  ${key}:\n    resolution: ${resolution}\n`;
  const sha512 = 'sha512-AAAA/+==';

  it('passes this repository', () => {
    const report = checkLockfile(read('pnpm-lock.yaml'));
    expect(report.problems).toEqual([]);
    expect(report.packages).toBeGreaterThan(100);
  });

  it('passes a registry package pinned by SHA-512', () => {
    expect(checkLockfile(`packages:\n\n${entry('koa@3.3.0', `{integrity: ${sha512}}`)}`).problems).toEqual(
      [],
    );
  });

  it('names a git dependency, which has no integrity hash', () => {
    const lock = `packages:\n\n${entry("'evil@https://codeload.github.com/x/y/tar.gz/abc'", '{tarball: https://codeload.github.com/x/y/tar.gz/abc}')}${entry('gitdep@git+https://github.com/x/y.git#abc', '{commit: abc, repo: https://github.com/x/y.git, type: git}')}`;
    const problems = checkLockfile(lock).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toContain(
      'evil@https://codeload.github.com/x/y/tar.gz/abc: no integrity hash',
    );
    expect(problems.join('\n')).toContain('tarball from outside https://registry.npmjs.org/');
    expect(problems.join('\n')).toContain('gitdep@git+https://github.com/x/y.git#abc: no integrity hash');
  });

  it('refuses a tarball from another host even with an integrity hash, and SHA-1 hashes', () => {
    const lock = `packages:\n\n${entry('a@1.0.0', `{integrity: ${sha512}, tarball: https://mirror.example/a-1.0.0.tgz}`)}${entry('b@1.0.0', '{integrity: sha1-abc=}')}`;
    expect(checkLockfile(lock).problems).toEqual([
      'a@1.0.0: tarball from outside https://registry.npmjs.org/: https://mirror.example/a-1.0.0.tgz',
      'b@1.0.0: integrity is not SHA-512 or SHA-384 (sha1)',
    ]);
  });

  it('refuses an .npmrc that points at another registry', () => {
    expect(checkNpmrc('registry=https://registry.npmjs.org\n', '.npmrc')).toEqual([]);
    expect(checkNpmrc('@gov:registry=https://npm.gov.example/\n', '.npmrc')).toEqual([
      '.npmrc: @gov:registry=https://npm.gov.example/',
    ]);
  });
});

describe('the advisory check against SECURITY.md (ASVS 15.1.1, 15.2.1)', () => {
  const days = readRemediationDays(read('SECURITY.md'));
  const now = new Date('2026-11-27T12:00:00Z');
  const advisory = (severity: string, daysOld: number, name = `pkg-${severity}`): Advisory => ({
    id: 1,
    module_name: name,
    severity,
    created: new Date(now.getTime() - daysOld * 86_400_000).toISOString(),
  });

  it('reads the times SECURITY.md states', () => {
    expect(days).toMatchObject({ critical: 7, high: 30, moderate: 90 });
    expect(days.low).toBeUndefined();
  });

  it('fails only on critical and high advisories past their time', () => {
    const result = assess(
      [
        advisory('critical', 8),
        advisory('critical', 6, 'fresh'),
        advisory('high', 31),
        advisory('high', 29, 'recent'),
        advisory('moderate', 400),
        advisory('low', 1000),
      ],
      days,
      now,
    );
    expect(result.filter((a) => a.failing).map((a) => a.advisory.module_name)).toEqual([
      'pkg-critical',
      'pkg-high',
    ]);
    expect(result.find((a) => a.advisory.module_name === 'pkg-moderate')).toMatchObject({
      overdue: true,
      failing: false,
    });
  });

  it('holds an advisory of unknown severity or date to the strictest time', () => {
    const [odd] = assess([{ ...advisory('severe', 10) }], days, now);
    expect(odd).toMatchObject({ severity: 'critical', failing: true });
    const [undated] = assess([{ ...advisory('high', 0), created: 'yesterday' }], days, now);
    expect(undated?.failing).toBe(true);
  });

  it('never reads an unreachable endpoint as "no advisories"', () => {
    const refused = JSON.stringify({
      error: { code: 'ERR_PNPM_AUDIT_BAD_RESPONSE', message: 'The audit endpoint responded with 405' },
    });
    expect(readAuditOutput(refused)).toEqual({
      kind: 'unreachable',
      reason: 'ERR_PNPM_AUDIT_BAD_RESPONSE: The audit endpoint responded with 405',
    });
    expect(readAuditOutput('', 'getaddrinfo ENOTFOUND registry.npmjs.org').kind).toBe('unreachable');
    expect(readAuditOutput('{}').kind).toBe('unreachable');
    expect(readAuditOutput(JSON.stringify({ advisories: {}, metadata: {} }))).toEqual({
      kind: 'report',
      advisories: [],
    });
  });
});

describe('the SBOM check (ASVS 15.1.2)', () => {
  it('refuses an SBOM without components or without hashes', () => {
    expect(checkSbom({ bomFormat: 'CycloneDX', components: [] })).toEqual([
      'no components: the lockfile was not read',
    ]);
    expect(checkSbom({ bomFormat: 'CycloneDX', components: [{ purl: 'pkg:npm/koa@3.3.0' }] })).toEqual([
      'pkg:npm/koa@3.3.0: no SHA-512 hash',
    ]);
  });
});
