import { readdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isAuthzError } from './errors.ts';
import type { CheckRequest, Decision, Effect } from './policy.ts';
import { PolicyEngine } from './policy-engine.ts';
import {
  POLICY_SECTIONS,
  addSections,
  emptyPolicySource,
  lintPolicySource,
  overlay,
  readPolicyDirectory,
  type PolicySource,
} from './policy-files.ts';
import { describeRef } from './policy-refs.ts';
import {
  PolicyFileError,
  invalid,
  lineOfError,
  mapping,
  onlyKeys,
  readYamlFile,
  sequence,
  type PolicyProblem,
  type YamlFile,
} from './policy-yaml.ts';
import * as validate from './validate.ts';

/**
 * Declarative policy tests (see `policies/README.md`): each YAML file names a
 * policy (a directory, by default the one above the test's folder, plus
 * entities `given` inline) and a clock, and lists checks with the answer
 * each must get. A file that cannot be read as a test is invalid input, not
 * a failed test: nothing runs until every file is well formed.
 */

export interface PolicyTestExpectation {
  effect: Effect;
  /** The rule that must decide: the granting allow rule or the refusing deny rule. */
  rule?: string | undefined;
  /** The delegation that must grant it. */
  delegation?: string | undefined;
}

export interface PolicyTestResult {
  file: string;
  line?: number | undefined;
  /** The test file's `name`. */
  name: string;
  /** 0-based place in the file's `checks`. */
  index: number;
  request: CheckRequest;
  /** The clock for this check, ISO 8601. */
  at: string;
  expected: PolicyTestExpectation;
  actual: Effect | 'error';
  decision?: Decision | undefined;
  /** Why the check could not be decided (e.g. the resource's department does not exist). */
  error?: string | undefined;
  passed: boolean;
}

export interface PolicyTestReport {
  files: number;
  passed: number;
  failed: number;
  results: PolicyTestResult[];
}

const FILE_KEYS = ['name', 'at', 'policy', 'given', 'checks'];
const CHECK_KEYS = ['subject', 'action', 'resource', 'purpose', 'acr', 'at', 'expect', 'rule', 'delegation'];

interface PreparedCheck {
  line?: number | undefined;
  request: CheckRequest;
  at: number;
  expected: PolicyTestExpectation;
}

interface PreparedFile {
  file: string;
  name: string;
  source: PolicySource;
  checks: PreparedCheck[];
}

/**
 * Runs the tests of `path`: a folder's `*.yaml` files in name order, or one
 * file. Throws `PolicyFileError` (ERR_AUTHZ_INVALID) when any file is not a
 * well-formed test; otherwise returns every check's outcome.
 */
export async function runPolicyTests(path: string): Promise<PolicyTestReport> {
  const problems: PolicyProblem[] = [];
  const files = await testFiles(path, problems);
  const policies = new PolicyCache();
  const prepared: PreparedFile[] = [];
  for (const file of files) {
    const yaml = await readYamlFile(file, problems);
    const test = yaml && (await prepare(yaml, policies, problems));
    if (test) prepared.push(test);
  }
  if (problems.length > 0) throw new PolicyFileError(problems);
  const results: PolicyTestResult[] = [];
  for (const test of prepared) results.push(...(await run(test)));
  const passed = results.filter((r) => r.passed).length;
  return { files: prepared.length, passed, failed: results.length - passed, results };
}

async function testFiles(path: string, problems: PolicyProblem[]): Promise<string[]> {
  try {
    if ((await stat(path)).isFile()) return [path];
    const names = (await readdir(path)).filter((n) => n.endsWith('.yaml') && !n.startsWith('.')).sort();
    if (names.length === 0) problems.push({ file: path, message: 'holds no *.yaml test file' });
    return names.map((n) => join(path, n));
  } catch {
    problems.push({ file: path, message: 'no such file or folder' });
    return [];
  }
}

/** Policy directories read once however many tests name them; a broken one is reported once. */
class PolicyCache {
  readonly #read = new Map<string, Promise<PolicySource | PolicyProblem[]>>();
  readonly #reported = new Set<string>();

  async get(dir: string, problems: PolicyProblem[]): Promise<PolicySource | undefined> {
    const key = resolve(dir);
    let read = this.#read.get(key);
    if (!read) {
      read = readPolicyDirectory(dir).catch((err: unknown) => {
        if (err instanceof PolicyFileError) return [...err.problems];
        throw err;
      });
      this.#read.set(key, read);
    }
    const result = await read;
    if (!Array.isArray(result)) return result;
    if (!this.#reported.has(key)) problems.push(...result);
    this.#reported.add(key);
    return undefined;
  }
}

async function prepare(
  yaml: YamlFile,
  policies: PolicyCache,
  problems: PolicyProblem[],
): Promise<PreparedFile | undefined> {
  const file = yaml.file;
  const before = problems.length;
  const at = (key: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      problems.push({
        file,
        line: lineOfError(yaml, [], err, yaml.lineOf([key])),
        message: err instanceof Error ? err.message : String(err),
      });
    }
  };
  let body: Record<string, unknown> = {};
  at('name', () => {
    body = mapping(yaml.value, 'a policy test file');
    onlyKeys(body, FILE_KEYS);
  });
  if (problems.length > before) return undefined;

  let name = '';
  let clock = 0;
  at('name', () => (name = text(body['name'], 'name')));
  at('at', () => (clock = validate.isoTime(body['at'], 'at (the clock the checks run at)')));

  let base: PolicySource | undefined = emptyPolicySource();
  const policy = body['policy'] ?? '..';
  if (policy !== 'none') {
    if (typeof policy !== 'string' || policy.trim() === '') {
      at('policy', () => invalid('policy must be a directory (relative to this file) or "none"'));
    } else {
      base = await policies.get(isAbsolute(policy) ? policy : join(dirname(file), policy), problems);
      if (!base)
        problems.push({ file, line: yaml.lineOf(['policy']), message: `policy ${policy} does not load` });
    }
  }

  const given = emptyPolicySource();
  if (body['given'] !== undefined) {
    at('given', () => {
      const sections = mapping(body['given'], 'given');
      onlyKeys(sections, POLICY_SECTIONS);
      addSections(yaml, ['given'], sections, POLICY_SECTIONS, given, problems);
    });
  }

  const checks: PreparedCheck[] = [];
  let items: unknown[] = [];
  at('checks', () => {
    items = sequence(body['checks'], 'checks');
    if (items.length === 0) invalid('checks must list at least one check');
  });
  items.forEach((item, i) => {
    const line = yaml.lineOf(['checks', i]);
    try {
      checks.push({ line, ...check(item, clock) });
    } catch (err) {
      problems.push({
        file,
        line: lineOfError(yaml, ['checks', i], err, line),
        entity: `checks[${i}]`,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  });

  if (problems.length > before || !base) return undefined;
  const source = overlay(base, given);
  for (const f of lintPolicySource(source).filter((f) => f.severity === 'error')) {
    problems.push({ file: f.file ?? file, line: f.line, entity: describeRef(f.entity), message: f.message });
  }
  return problems.length > before ? undefined : { file, name, source, checks };
}

function check(item: unknown, fileClock: number): Omit<PreparedCheck, 'line'> {
  const body = mapping(item, 'a check');
  onlyKeys(body, CHECK_KEYS);
  const { expect, rule, delegation, at, ...request } = body;
  if (expect !== 'allow' && expect !== 'deny') invalid('expect must be allow or deny');
  return {
    request: validate.checkRequest(request),
    at: at === undefined ? fileClock : validate.isoTime(at, 'at'),
    expected: {
      effect: expect,
      rule: rule === undefined ? undefined : validate.slug(rule, 'rule'),
      delegation: delegation === undefined ? undefined : validate.slug(delegation, 'delegation'),
    },
  };
}

async function run(test: PreparedFile): Promise<PolicyTestResult[]> {
  let now = 0;
  const engine = await PolicyEngine.create({ clock: () => now });
  await engine.replace(test.source.policy);
  return test.checks.map((c, index) => {
    now = c.at;
    const base = {
      file: test.file,
      line: c.line,
      name: test.name,
      index,
      request: c.request,
      at: new Date(c.at).toISOString(),
      expected: c.expected,
    };
    let decision: Decision;
    try {
      decision = engine.check(c.request);
    } catch (err) {
      if (!isAuthzError(err)) throw err;
      return { ...base, actual: 'error' as const, error: err.message, passed: false };
    }
    const actual = decision.allowed ? ('allow' as const) : ('deny' as const);
    const passed =
      actual === c.expected.effect &&
      (c.expected.rule === undefined || decision.ruleId === c.expected.rule) &&
      (c.expected.delegation === undefined || decision.delegationId === c.expected.delegation);
    return { ...base, actual, decision, passed };
  });
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200) {
    invalid(`${what} must be text of 1 to 200 characters`);
  }
  return value;
}
