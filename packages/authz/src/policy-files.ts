import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { emptyPolicySet, type Delegation, type PolicySet } from './policy.ts';
import { lintPolicy, type LintFinding, type LintOptions } from './policy-lint.ts';
import {
  assignmentRef,
  delegationRef,
  departmentRef,
  describeRef,
  refKey,
  roleRef,
  ruleRef,
  type EntityRef,
} from './policy-refs.ts';
import {
  PolicyFileError,
  invalid,
  lineOfError,
  mapping,
  onlyKeys,
  printable,
  readYamlFile,
  sequence,
  type PolicyProblem,
  type YamlFile,
  type YamlPath,
} from './policy-yaml.ts';
import * as input from './policy-set-input.ts';
import * as validate from './validate.ts';

/**
 * The policy as files (see `policies/README.md`): `departments/*.yaml`, one
 * per department family, holding departments, roles, assignments and rules;
 * `delegations.yaml` holding the data-sharing agreements between them. The
 * entities have exactly the fields of `policy.ts` (so the admin API and the
 * files speak one vocabulary), with times as ISO 8601 text.
 */

export type PolicySection = 'departments' | 'roles' | 'assignments' | 'rules' | 'delegations';

const DEPARTMENT_FILE_SECTIONS: readonly PolicySection[] = ['departments', 'roles', 'assignments', 'rules'];
export const POLICY_SECTIONS: readonly PolicySection[] = [...DEPARTMENT_FILE_SECTIONS, 'delegations'];

const ENTITY_KEYS: Record<PolicySection, readonly string[]> = {
  departments: ['id', 'name', 'parent'],
  roles: ['department', 'name', 'title', 'reachDown', 'inherits'],
  assignments: ['subject', 'department', 'role'],
  rules: [
    'id',
    'department',
    'role',
    'except',
    'resources',
    'actions',
    'purposes',
    'minAcr',
    'effect',
    'description',
  ],
  delegations: [
    'id',
    'fromDepartment',
    'toDepartment',
    'toRole',
    'resources',
    'actions',
    'purposes',
    'notBefore',
    'expiresAt',
    'minAcr',
    'reason',
    'createdBy',
    'approvedBy',
    'status',
  ],
};

export interface Origin {
  file: string;
  line?: number | undefined;
}

/** A policy set with where each entity was written, keyed by `refKey`. */
export interface PolicySource {
  policy: PolicySet;
  origins: Map<string, Origin>;
}

export function emptyPolicySource(): PolicySource {
  return { policy: emptyPolicySet(), origins: new Map() };
}

/**
 * Reads and validates every entity of a policy directory, without checking
 * that the names they use exist (see `loadPolicyDirectory`): lint reads
 * through this so it can describe a set the engine would refuse.
 * Throws `PolicyFileError` (ERR_AUTHZ_INVALID) listing every problem.
 */
export async function readPolicyDirectory(dir: string): Promise<PolicySource> {
  const problems: PolicyProblem[] = [];
  const source = emptyPolicySource();
  const departmentsDir = join(dir, 'departments');
  let names: string[] | undefined;
  try {
    names = (await readdir(departmentsDir)).filter((n) => !n.startsWith('.')).sort();
  } catch {
    problems.push({
      file: departmentsDir,
      message: 'no such folder: a policy directory has departments/*.yaml',
    });
  }
  for (const name of names?.filter((n) => n.endsWith('.yml')) ?? []) {
    problems.push({ file: join(departmentsDir, name), message: 'only *.yaml files are read: rename it' });
  }
  const files = names?.filter((n) => n.endsWith('.yaml')) ?? [];
  if (names !== undefined && files.length === 0) {
    // Loading an empty policy would take every grant away.
    problems.push({ file: departmentsDir, message: 'holds no *.yaml file' });
  }
  for (const name of files) {
    const yaml = await readYamlFile(join(departmentsDir, name), problems);
    if (yaml) addFile(yaml, DEPARTMENT_FILE_SECTIONS, source, problems);
  }
  const delegations = join(dir, 'delegations.yaml');
  const optional: PolicyProblem[] = [];
  const yaml = await readYamlFile(delegations, optional);
  if (yaml) addFile(yaml, ['delegations'], source, problems);
  problems.push(...optional.filter((p) => p.message !== 'no such file'));
  if (problems.length > 0) throw new PolicyFileError(problems);
  return source;
}

/**
 * The policy set of a directory, validated entity by entity and as a whole
 * (every name used exists, no cycle, hierarchies as deep as Casbin follows),
 * so that `PolicyEngine.replace` accepts it. Duplicates across files are
 * errors. Throws `PolicyFileError` listing every problem as `file:line: entity: message`.
 */
export async function loadPolicyDirectory(dir: string): Promise<PolicySet> {
  const source = await readPolicyDirectory(dir);
  assertConsistent(source);
  return source.policy;
}

/** Throws `PolicyFileError` for every lint error (what the engine would refuse), with its origin. */
export function assertConsistent(source: PolicySource): void {
  const errors = lintPolicySource(source).filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    throw new PolicyFileError(
      errors.map((f) => ({
        file: f.file ?? '(policy)',
        line: f.line,
        entity: describeRef(f.entity),
        message: f.message,
      })),
    );
  }
}

export interface LocatedFinding extends LintFinding {
  file?: string | undefined;
  line?: number | undefined;
}

/** `lintPolicy` with each finding's file and line. */
export function lintPolicySource(source: PolicySource, options?: LintOptions): LocatedFinding[] {
  return lintPolicy(source.policy, options).map((f) => ({ ...f, ...source.origins.get(refKey(f.entity)) }));
}

/** Adds the entity sections of one file's top-level mapping. */
function addFile(
  yaml: YamlFile,
  sections: readonly PolicySection[],
  source: PolicySource,
  problems: PolicyProblem[],
): void {
  try {
    const body = mapping(yaml.value ?? {}, 'the file');
    if (!sections.includes('delegations') && 'delegations' in body) {
      invalid('delegations belong in delegations.yaml, beside departments/');
    }
    onlyKeys(body, sections);
    addSections(yaml, [], body, sections, source, problems);
  } catch (err) {
    problems.push({ file: yaml.file, line: lineOfError(yaml, [], err, 1), message: messageOf(err) });
  }
}

/**
 * Validates and adds the entities under `sections` of `body` (found at
 * `path` in `yaml`); one already in `source` is a duplicate.
 */
export function addSections(
  yaml: YamlFile,
  path: YamlPath,
  body: Record<string, unknown>,
  sections: readonly PolicySection[],
  source: PolicySource,
  problems: PolicyProblem[],
): void {
  for (const section of sections) {
    let items: unknown[];
    try {
      items = sequence(body[section], section);
    } catch (err) {
      problems.push({ file: yaml.file, line: yaml.lineOf([...path, section]), message: messageOf(err) });
      continue;
    }
    items.forEach((item, i) => {
      const line = yaml.lineOf([...path, section, i]);
      let parsed: ReturnType<typeof parseEntity>;
      try {
        parsed = parseEntity(section, item);
      } catch (err) {
        const at = lineOfError(yaml, [...path, section, i], err, line);
        problems.push({
          file: yaml.file,
          line: at,
          entity: label(section, i, item),
          message: messageOf(err),
        });
        return;
      }
      const key = refKey(parsed.ref);
      const first = source.origins.get(key);
      if (first !== undefined) {
        const at = first.line === undefined ? first.file : `${first.file}:${first.line}`;
        problems.push({
          file: yaml.file,
          line,
          entity: describeRef(parsed.ref),
          message: `already defined at ${at}`,
        });
        return;
      }
      parsed.add(source.policy);
      source.origins.set(key, { file: yaml.file, line });
    });
  }
}

/** `over` on top of `base`: an entity of `over` takes the place of `base`'s entity of the same name. */
export function overlay(base: PolicySource, over: PolicySource): PolicySource {
  const keys = new Set(over.origins.keys());
  const keep = <T>(xs: readonly T[], ref: (x: T) => EntityRef) => xs.filter((x) => !keys.has(refKey(ref(x))));
  const b = base.policy;
  const o = over.policy;
  return {
    policy: {
      departments: [...keep(b.departments, departmentRef), ...o.departments],
      roles: [...keep(b.roles, roleRef), ...o.roles],
      assignments: [...keep(b.assignments, assignmentRef), ...o.assignments],
      rules: [...keep(b.rules, ruleRef), ...o.rules],
      delegations: [...keep(b.delegations, delegationRef), ...o.delegations],
    },
    origins: new Map([...base.origins, ...over.origins]),
  };
}

/** The entity's reference and how to add it to a policy set. */
function parseEntity(section: PolicySection, item: unknown): { ref: EntityRef; add: (p: PolicySet) => void } {
  const body = mapping(item, `each of ${section}`);
  onlyKeys(body, ENTITY_KEYS[section]);
  switch (section) {
    case 'departments': {
      const d = validate.department(body);
      return { ref: departmentRef(d), add: (p) => p.departments.push(d) };
    }
    case 'roles': {
      const r = validate.role(body);
      return { ref: roleRef(r), add: (p) => p.roles.push(r) };
    }
    case 'assignments': {
      const a = input.assignment(body);
      return { ref: assignmentRef(a), add: (p) => p.assignments.push(a) };
    }
    case 'rules': {
      const r = validate.rule(body);
      return { ref: ruleRef(r), add: (p) => p.rules.push(r) };
    }
    case 'delegations': {
      const d = delegation(body);
      return { ref: delegationRef(d), add: (p) => p.delegations.push(d) };
    }
  }
}

/**
 * A delegation as recorded, with its times as ISO 8601 text; the status is
 * spelt out, as a file states what is in force.
 */
function delegation(body: Record<string, unknown>): Delegation {
  const notBefore = validate.isoTime(body['notBefore'], 'notBefore');
  const expiresAt = validate.isoTime(body['expiresAt'], 'expiresAt');
  if (body['status'] === undefined) invalid('status must be pending, approved or revoked');
  const d = input.delegation({ ...body, notBefore, expiresAt });
  if (d.status === 'pending' && d.approvedBy !== undefined)
    invalid('a pending delegation has no approvedBy yet');
  return d;
}

/** How an entity that failed validation is named: its id when it has a printable one, else its place. */
function label(section: PolicySection, index: number, item: unknown): string {
  const kind = section.slice(0, -1);
  const body = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
  const id =
    section === 'roles'
      ? `${printable(body['department'])}/${printable(body['name'])}`
      : section === 'assignments'
        ? `${printable(body['subject'])} as ${printable(body['department'])}/${printable(body['role'])}`
        : printable(body['id']);
  return id.includes('…') ? `${section}[${index}]` : `${kind} ${id}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
