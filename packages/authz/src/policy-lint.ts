import { MAX_HIERARCHY_LEVEL } from './decision-index.ts';
import type { Delegation, PolicySet, Role, Rule } from './policy.ts';
import {
  assignmentRef,
  delegationRef,
  departmentRef,
  refKey,
  roleRef,
  ruleRef,
  type EntityRef,
} from './policy-refs.ts';

/**
 * Findings about a policy set as a whole. Errors are what `PolicyEngine`
 * would refuse (dangling names, cycles, hierarchies deeper than Casbin
 * follows) or what breaks the four-eyes rule; warnings and infos are legal
 * but probably not meant. Lint never throws: it must describe a set that
 * the engine refuses, so every walk here stops at cycles.
 */
export type LintSeverity = 'error' | 'warning' | 'info';

export type LintCode =
  | 'duplicate'
  | 'unknown-department'
  | 'unknown-role'
  | 'department-cycle'
  | 'hierarchy-too-deep'
  | 'role-cycle'
  | 'self-approved-delegation'
  | 'unheld-role'
  | 'shadowed-rule'
  | 'expired-delegation'
  | 'expiring-delegation'
  | 'lone-purpose';

export interface LintFinding {
  severity: LintSeverity;
  code: LintCode;
  message: string;
  entity: EntityRef;
}

export interface LintOptions {
  /** Epoch milliseconds that delegations' windows are judged against; default now. */
  now?: number;
  /** Approved delegations ending within this many milliseconds get an info; default 30 days. */
  expiringWithinMs?: number;
}

export const EXPIRING_WITHIN_MS = 30 * 86_400_000;

type Add = (severity: LintSeverity, code: LintCode, entity: EntityRef, message: string) => void;

/** Role names per department. */
type RoleTable = Map<string, Map<string, Role>>;

export function lintPolicy(policy: PolicySet, options: LintOptions = {}): LintFinding[] {
  const findings: LintFinding[] = [];
  const add: Add = (severity, code, entity, message) => findings.push({ severity, code, message, entity });
  const departments = new Set(policy.departments.map((d) => d.id));
  const roles: RoleTable = new Map();
  for (const r of policy.roles) {
    const names = roles.get(r.department) ?? new Map<string, Role>();
    if (!names.has(r.name)) names.set(r.name, r);
    roles.set(r.department, names);
  }
  duplicates(policy, add);
  references(policy, departments, roles, add);
  hierarchy(policy, departments, add);
  roleCycles(roles, add);
  const held = heldRoles(policy, roles);
  unheld(policy, roles, held, options.now ?? Date.now(), add);
  shadowed(policy, roles, add);
  delegations(policy, options.now ?? Date.now(), options.expiringWithinMs ?? EXPIRING_WITHIN_MS, add);
  const rank: Record<LintSeverity, number> = { error: 0, warning: 1, info: 2 };
  return findings.sort((a, b) => rank[a.severity] - rank[b.severity]);
}

function duplicates(policy: PolicySet, add: Add): void {
  const seen = new Set<string>();
  const refs = [
    ...policy.departments.map(departmentRef),
    ...policy.roles.map(roleRef),
    ...policy.assignments.map(assignmentRef),
    ...policy.rules.map(ruleRef),
    ...policy.delegations.map(delegationRef),
  ];
  for (const ref of refs) {
    const key = refKey(ref);
    if (seen.has(key)) add('error', 'duplicate', ref, `${ref.kind} "${ref.id}" is defined more than once`);
    seen.add(key);
  }
}

function references(policy: PolicySet, departments: Set<string>, roles: RoleTable, add: Add): void {
  const department = (ref: EntityRef, id: string | undefined, what: string): boolean => {
    if (id === undefined || departments.has(id)) return true;
    add('error', 'unknown-department', ref, `${what} "${id}" is not a department`);
    return false;
  };
  const role = (ref: EntityRef, dept: string, name: string, what: string) => {
    if (!roles.get(dept)?.has(name))
      add('error', 'unknown-role', ref, `${what} "${name}" is not a role of ${dept}`);
  };
  for (const d of policy.departments) department(departmentRef(d), d.parent, 'parent');
  for (const r of policy.roles) {
    if (department(roleRef(r), r.department, 'department')) {
      for (const name of r.inherits) role(roleRef(r), r.department, name, 'inherited role');
    }
  }
  for (const a of policy.assignments) {
    if (department(assignmentRef(a), a.department, 'department')) {
      role(assignmentRef(a), a.department, a.role, 'role');
    }
  }
  for (const r of policy.rules) {
    if (!department(ruleRef(r), r.department, 'department')) continue;
    if (r.role !== '*') role(ruleRef(r), r.department, r.role, 'role');
    if (r.except !== undefined) role(ruleRef(r), r.department, r.except, 'except');
  }
  for (const d of policy.delegations) {
    department(delegationRef(d), d.fromDepartment, 'fromDepartment');
    if (department(delegationRef(d), d.toDepartment, 'toDepartment')) {
      role(delegationRef(d), d.toDepartment, d.toRole, 'toRole');
    }
  }
}

function hierarchy(policy: PolicySet, departments: Set<string>, add: Add): void {
  const parentOf = new Map<string, string | undefined>();
  for (const d of policy.departments) if (!parentOf.has(d.id)) parentOf.set(d.id, d.parent);
  const cycles = new Set<string>();
  /** Links up to the top, or undefined when the chain runs into a cycle. */
  const depth = new Map<string, number | undefined>();
  const walk = (id: string): number | undefined => {
    if (depth.has(id)) return depth.get(id);
    const path: string[] = [];
    let at: string | undefined = id;
    while (at !== undefined && departments.has(at) && !depth.has(at)) {
      const loop = path.indexOf(at);
      if (loop >= 0) {
        const cycle = path.slice(loop);
        const key = [...cycle].sort().join('\u0000');
        if (!cycles.has(key)) {
          cycles.add(key);
          const start = rotateToSmallest(cycle);
          add(
            'error',
            'department-cycle',
            departmentRef({ id: start[0]! }),
            `departments are their own ancestors: ${[...start, start[0]].join(' → ')}`,
          );
        }
        for (const member of path) depth.set(member, undefined);
        return undefined;
      }
      path.push(at);
      at = parentOf.get(at);
    }
    // `at` is now the top's (absent or unknown) parent, or a department already measured.
    let links = at !== undefined && depth.has(at) ? depth.get(at) : -1;
    for (const member of path.reverse()) {
      links = links === undefined ? undefined : links + 1;
      depth.set(member, links);
    }
    return depth.get(id);
  };
  for (const d of policy.departments) {
    const links = walk(d.id);
    // Report only the first department past the limit, not everything below it too.
    if (links === MAX_HIERARCHY_LEVEL + 1) {
      add(
        'error',
        'hierarchy-too-deep',
        departmentRef(d),
        `department is ${links} levels below the top; Casbin follows at most ${MAX_HIERARCHY_LEVEL}, so reach-down would silently stop`,
      );
    }
  }
}

function roleCycles(roles: RoleTable, add: Add): void {
  for (const [department, names] of roles) {
    const reported = new Set<string>();
    const done = new Set<string>();
    const stack: string[] = [];
    const visit = (name: string): void => {
      const at = stack.indexOf(name);
      if (at >= 0) {
        const cycle = stack.slice(at);
        const key = [...cycle].sort().join('\u0000');
        if (!reported.has(key)) {
          reported.add(key);
          const start = rotateToSmallest(cycle);
          add(
            'error',
            'role-cycle',
            roleRef({ department, name: start[0]! }),
            `roles inherit in a circle: ${[...start, start[0]].join(' → ')}`,
          );
        }
        return;
      }
      if (done.has(name)) return;
      stack.push(name);
      for (const next of names.get(name)?.inherits ?? []) if (names.has(next)) visit(next);
      stack.pop();
      done.add(name);
    };
    for (const name of names.keys()) visit(name);
  }
}

/** Department → roles someone holds there, directly or through inheritance (as far as Casbin follows). */
function heldRoles(policy: PolicySet, roles: RoleTable): Map<string, Set<string>> {
  const held = new Map<string, Set<string>>();
  for (const a of policy.assignments) {
    const set = held.get(a.department) ?? new Set<string>();
    held.set(a.department, set);
    if (set.has(a.role)) continue;
    // The subject's own link counts as one of the links Casbin follows.
    let frontier = [a.role];
    set.add(a.role);
    for (let links = 1; links < MAX_HIERARCHY_LEVEL && frontier.length > 0; links++) {
      const next: string[] = [];
      for (const name of frontier) {
        for (const inherited of roles.get(a.department)?.get(name)?.inherits ?? []) {
          if (!set.has(inherited)) next.push(inherited);
          set.add(inherited);
        }
      }
      frontier = next;
    }
  }
  return held;
}

function unheld(
  policy: PolicySet,
  roles: RoleTable,
  held: Map<string, Set<string>>,
  now: number,
  add: Add,
): void {
  const unheldRole = (dept: string, name: string) =>
    roles.get(dept)?.has(name) === true && held.get(dept)?.has(name) !== true;
  for (const r of policy.rules) {
    if (r.role !== '*' && unheldRole(r.department, r.role)) {
      add(
        'warning',
        'unheld-role',
        ruleRef(r),
        `nobody holds role ${r.role} of ${r.department} (directly or through a role inheriting it): the rule never applies`,
      );
    }
  }
  for (const d of policy.delegations) {
    if (d.status === 'approved' && d.expiresAt > now && unheldRole(d.toDepartment, d.toRole)) {
      add(
        'warning',
        'unheld-role',
        delegationRef(d),
        `nobody holds role ${d.toRole} of ${d.toDepartment}: the delegation is never used`,
      );
    }
  }
}

/** An allow rule that a deny rule refuses wherever it would grant. */
function shadowed(policy: PolicySet, roles: RoleTable, add: Add): void {
  const denies = policy.rules.filter((r) => r.effect === 'deny' && r.except === undefined);
  if (denies.length === 0) return;
  const reaches = (r: Rule) => r.role !== '*' && roles.get(r.department)?.get(r.role)?.reachDown === true;
  for (const allow of policy.rules) {
    if (allow.effect !== 'allow') continue;
    const covered = inheritedRoles(roles, allow.department, allow.role);
    const by = denies.find(
      (deny) =>
        deny.department === allow.department &&
        (deny.role === '*' || covered.has(deny.role)) &&
        // A reaching allow also grants below; only an equally reaching deny refuses there too.
        (!reaches(allow) || reaches(deny)) &&
        allow.resources.every((q) => deny.resources.some((p) => patternCovers(p, q))) &&
        listCovers(deny.actions, allow.actions) &&
        listCovers(deny.purposes, allow.purposes),
    );
    if (by) {
      add(
        'warning',
        'shadowed-rule',
        ruleRef(allow),
        `deny rule ${by.id} refuses everything this allow rule grants: it never applies`,
      );
    }
  }
}

/** The role and every role it inherits (a holder of the role holds them all). */
function inheritedRoles(roles: RoleTable, department: string, name: string): Set<string> {
  const found = new Set([name]);
  const pending = [name];
  while (pending.length > 0) {
    for (const next of roles.get(department)?.get(pending.pop()!)?.inherits ?? []) {
      if (!found.has(next)) pending.push(next);
      found.add(next);
    }
  }
  return found;
}

/**
 * True when every resource `q` matches is matched by `p`: equal patterns, or
 * `p` a literal prefix ending in `*` (Casbin's `/*` matches any rest of the
 * path) that `q` literally extends. Other overlaps are not claimed.
 */
export function patternCovers(p: string, q: string): boolean {
  if (p === q) return true;
  const ps = p.split('/');
  const qs = q.split('/');
  const prefix = ps.slice(0, -1);
  if (ps.at(-1) !== '*' || prefix.includes('*') || qs.length <= prefix.length) return false;
  return prefix.every((segment, i) => qs[i] === segment);
}

function listCovers(wide: readonly string[], narrow: readonly string[]): boolean {
  return wide.includes('*') || (!narrow.includes('*') && narrow.every((x) => wide.includes(x)));
}

function delegations(policy: PolicySet, now: number, within: number, add: Add): void {
  const purposesUsed = new Map<string, number>();
  const use = (purpose: string) => purposesUsed.set(purpose, (purposesUsed.get(purpose) ?? 0) + 1);
  for (const r of policy.rules) for (const p of r.purposes) use(p);
  for (const d of policy.delegations) for (const p of d.purposes) use(p);
  for (const d of policy.delegations) {
    const ref = delegationRef(d);
    if (d.status === 'approved' && d.approvedBy !== undefined && d.approvedBy === d.createdBy) {
      add('error', 'self-approved-delegation', ref, `approved by its own author ${d.createdBy}`);
    }
    if (d.status !== 'revoked' && d.expiresAt <= now) {
      add('warning', 'expired-delegation', ref, `expired at ${iso(d.expiresAt)}: it grants nothing`);
    } else if (d.status === 'approved' && d.expiresAt - now <= within) {
      add('info', 'expiring-delegation', ref, `expires at ${iso(d.expiresAt)}`);
    }
    for (const p of lonePurposes(d, purposesUsed)) {
      add('info', 'lone-purpose', ref, `purpose ${p} appears in no rule and no other delegation (a typo?)`);
    }
  }
}

function lonePurposes(d: Delegation, used: Map<string, number>): string[] {
  return d.purposes.filter((p) => used.get(p) === 1);
}

function rotateToSmallest(cycle: string[]): string[] {
  const smallest = [...cycle].sort()[0]!;
  const at = cycle.indexOf(smallest);
  return [...cycle.slice(at), ...cycle.slice(0, at)];
}

function iso(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString().replace(/\.000Z$/, 'Z');
}
