import type { Command } from 'commander';
import {
  PolicyEngine,
  isAuthzError,
  lintPolicySource,
  loadPolicyDirectory,
  readPolicyDirectory,
  runPolicyTests,
  type Decision,
  type LocatedFinding,
  type PolicySet,
  type PolicyTestResult,
} from '@onegate/authz';
import {
  EXIT_CODES_HELP,
  isoDate,
  printJson,
  printLines,
  refuse,
  usageErrorsExit2,
  withAuthz,
} from '../context.ts';

/**
 * `onegate policy test|lint|load`: the policy files of `policies/` checked
 * and loaded. Files that cannot be read as policy are invalid input (exit 2)
 * and nothing runs or changes; failed checks and lint errors exit 1.
 */
export function registerPolicy(program: Command): void {
  const group = usageErrorsExit2(
    program.command('policy').description('test, lint and load the authorization policy files (policies/)'),
  );

  group
    .command('test')
    .description('run declarative policy tests: each check must get the answer it expects')
    .argument('[path]', 'a folder of *.yaml policy tests, or one test file', 'policies/tests')
    .option('--json', 'print every check and its outcome as JSON')
    .action(async (path: string, options: { json?: boolean }) => {
      const report = await orInvalid(() => runPolicyTests(path), 'no test ran');
      if (options.json) printJson(report);
      else {
        printLines(report.results.filter((r) => !r.passed).flatMap(describeFailure));
        printLines([`${report.passed} passed, ${report.failed} failed`]);
      }
      if (report.failed > 0) process.exitCode = 1;
    });

  group
    .command('lint')
    .description('find role cycles, unknown names, rules that never apply, expired and expiring delegations')
    .argument('[dir]', 'the policy directory', 'policies')
    .option('--at <time>', "judge delegations' windows at this ISO 8601 time (default: now)")
    .option('--json', 'print the findings as JSON')
    .action(async (dir: string, options: { at?: string; json?: boolean }) => {
      const now = options.at === undefined ? Date.now() : parseTime(options.at);
      const source = await orInvalid(() => readPolicyDirectory(dir), 'nothing was linted');
      const findings = lintPolicySource(source, { now });
      const errors = findings.filter((f) => f.severity === 'error').length;
      if (options.json) printJson(findings);
      else printLines([...findings.map(describeFinding), summary(findings)]);
      if (errors > 0) process.exitCode = 1;
    });

  group
    .command('load')
    .description('validate the policy files and replace the whole policy in the database with them (audited)')
    .argument('[dir]', 'the policy directory', 'policies')
    .option('--dry-run', 'validate only: print what would be loaded, change nothing')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, options: { dryRun?: boolean; json?: boolean }) => {
      const policy = await orInvalid(async () => {
        const loaded = await loadPolicyDirectory(dir);
        // The engine's own checks, on a scratch engine: what the store would refuse is refused here.
        await (await PolicyEngine.create()).replace(loaded);
        return loaded;
      }, 'nothing was loaded');
      const counts = countOf(policy);
      if (options.dryRun) {
        if (options.json) return printJson({ dryRun: true, counts });
        return printLines([`${dir}: ${describeCounts(counts)}: valid; nothing loaded (--dry-run)`]);
      }
      // Validated before the database is opened: invalid files never reach it.
      await withAuthz(async ({ authz }) => {
        const result = await authz.replace(policy, 'operator');
        if (options.json) return printJson(result);
        printLines([
          `loaded ${dir}: ${describeCounts(result.after)}`,
          `(it replaced ${describeCounts(result.before)})`,
        ]);
      });
    });

  for (const command of group.commands) command.addHelpText('after', EXIT_CODES_HELP);
}

/**
 * Runs `load`; an authz error (a policy file or the policy is wrong) ends
 * the command with exit 2, each problem on its own line, saying what did not happen.
 */
async function orInvalid<T>(load: () => Promise<T>, consequence: string): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (!isAuthzError(err) || err.code === 'ERR_AUTHZ_UNSUPPORTED') throw err;
    const lines = err.message.split('\n');
    process.stderr.write(lines.map((line) => `${line}\n`).join(''));
    const problems = lines.length === 1 ? 'a problem' : `${lines.length} problems`;
    refuse(`${problems} in the policy files; ${consequence}`);
  }
}

function describeFailure(r: PolicyTestResult): string[] {
  const where = r.line === undefined ? r.file : `${r.file}:${r.line}`;
  const q = r.request;
  const expected = [
    r.expected.effect,
    r.expected.rule === undefined ? '' : ` by rule ${r.expected.rule}`,
    r.expected.delegation === undefined ? '' : ` by delegation ${r.expected.delegation}`,
  ].join('');
  const actual = r.actual === 'error' ? `error: ${r.error}` : `${r.actual}${describeDecision(r.decision!)}`;
  return [
    `FAIL ${where} checks[${r.index}] (${r.name})`,
    `  ${q.subject} ${q.action} ${q.resource} purpose=${q.purpose ?? '-'} acr=${q.acr ?? '-'} at ${r.at}`,
    `  expected ${expected}, got ${actual}`,
  ];
}

function describeDecision(d: Decision): string {
  if (d.ruleId !== undefined) return ` by rule ${d.ruleId}`;
  if (d.delegationId !== undefined) return ` by delegation ${d.delegationId}`;
  return ' (no rule matched)';
}

function describeFinding(f: LocatedFinding): string {
  const where = f.file === undefined ? '(policy)' : f.line === undefined ? f.file : `${f.file}:${f.line}`;
  return `${where}: ${f.severity}: ${f.entity.kind} ${f.entity.id}: ${f.message} [${f.code}]`;
}

function summary(findings: LocatedFinding[]): string {
  const n = (severity: string, one: string, many: string) => {
    const count = findings.filter((f) => f.severity === severity).length;
    return `${count} ${count === 1 ? one : many}`;
  };
  return [
    n('error', 'error', 'errors'),
    n('warning', 'warning', 'warnings'),
    n('info', 'info', 'infos'),
  ].join(', ');
}

type Counts = Record<keyof PolicySet, number>;

function countOf(policy: PolicySet): Counts {
  return {
    departments: policy.departments.length,
    roles: policy.roles.length,
    assignments: policy.assignments.length,
    rules: policy.rules.length,
    delegations: policy.delegations.length,
  };
}

function describeCounts(c: Counts): string {
  return `${c.departments} departments, ${c.roles} roles, ${c.assignments} assignments, ${c.rules} rules, ${c.delegations} delegations`;
}

function parseTime(value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) refuse(`--at takes an ISO 8601 time, e.g. ${isoDate(Date.now())}`);
  return ms;
}
