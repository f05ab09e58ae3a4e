import type { Enforcer } from 'casbin';
import {
  MODEL_TEXT,
  acrNumber,
  splitResource,
  subjectKey,
  toCasbinLines,
  type CasbinLines,
} from './casbin-lines.ts';
import { casbinDecides, casbinEnforcer } from './casbin-reference.ts';
import { DecisionIndex, MAX_HIERARCHY_LEVEL, type IndexRequest } from './decision-index.ts';
import { AuthzError } from './errors.ts';
import {
  emptyPolicySet,
  type Assignment,
  type CheckRequest,
  type Decision,
  type Delegation,
  type Department,
  type PolicySet,
  type Role,
  type Rule,
} from './policy.ts';
import * as validate from './validate.ts';

export interface PolicyEngineOptions {
  /** Epoch milliseconds now; delegations' windows are judged by it. */
  clock?: () => number;
  /** The operator's own Casbin model: decisions then come from Casbin's enforcer, not the index. */
  model?: string;
}

/**
 * The policy in memory and the decisions made from it. Every change is
 * checked against the rest of the policy (no dangling role, no cycle, no
 * hierarchy deeper than Casbin follows) and applied to the decision index as
 * the few Casbin lines it adds or removes, so a change costs microseconds and
 * is in force for the very next decision.
 */
export class PolicyEngine {
  readonly #clock: () => number;
  readonly #departments = new Map<string, Department>();
  readonly #roles = new Map<string, Role>();
  readonly #assignments = new Map<string, Assignment>();
  readonly #rules = new Map<string, Rule>();
  readonly #delegations = new Map<string, Delegation>();
  readonly #index: DecisionIndex | undefined;
  readonly #casbin: Enforcer | undefined;

  private constructor(clock: () => number, index: DecisionIndex | undefined, casbin: Enforcer | undefined) {
    this.#clock = clock;
    this.#index = index;
    this.#casbin = casbin;
  }

  static async create(options: PolicyEngineOptions = {}): Promise<PolicyEngine> {
    const clock = options.clock ?? Date.now;
    const custom = options.model !== undefined && normalize(options.model) !== normalize(MODEL_TEXT);
    return custom
      ? new PolicyEngine(
          clock,
          undefined,
          await casbinEnforcer(toCasbinLines(emptyPolicySet()), options.model),
        )
      : new PolicyEngine(clock, new DecisionIndex(), undefined);
  }

  /** True when decisions come from the index (the built-in model). */
  get indexed(): boolean {
    return this.#index !== undefined;
  }

  /** The decision index, for explanations and access reviews (built-in model only). */
  get index(): DecisionIndex {
    if (!this.#index) {
      throw new AuthzError(
        'ERR_AUTHZ_UNSUPPORTED',
        'explanations and access reviews need the built-in model',
      );
    }
    return this.#index;
  }

  now(): number {
    return this.#clock();
  }

  // ---- decisions

  /** Validates and decides one request. */
  check(input: CheckRequest): Decision {
    return this.decide(this.toIndexRequest(validate.checkRequest(input)));
  }

  decide(req: IndexRequest): Decision {
    if (this.#index) return this.#index.decide(req);
    const allowed = casbinDecides(this.#casbin!, req);
    return allowed ? { allowed, reason: 'allowed' } : { allowed, reason: 'no_matching_rule' };
  }

  /** A validated request as the model sees it; an unknown department is refused. */
  toIndexRequest(req: CheckRequest, now = this.#clock()): IndexRequest {
    const [dom, obj] = splitResource(req.resource);
    const department = this.#departments.get(dom);
    if (!department) throw new AuthzError('ERR_AUTHZ_NOT_FOUND', `no department "${dom}"`);
    return {
      sub: subjectKey(req.subject),
      // The stored id, not the slice of the request: the index's maps then compare by identity.
      dom: department.id,
      obj,
      act: req.action,
      purpose: req.purpose ?? '',
      acr: acrNumber(req.acr),
      now,
    };
  }

  // ---- reading the policy

  snapshot(): PolicySet {
    return {
      departments: [...this.#departments.values()],
      roles: [...this.#roles.values()],
      assignments: [...this.#assignments.values()],
      rules: [...this.#rules.values()],
      delegations: [...this.#delegations.values()],
    };
  }

  department(id: string): Department | undefined {
    return this.#departments.get(id);
  }

  role(department: string, name: string): Role | undefined {
    return this.#roles.get(roleKey(department, name));
  }

  rule(id: string): Rule | undefined {
    return this.#rules.get(id);
  }

  delegation(id: string): Delegation | undefined {
    return this.#delegations.get(id);
  }

  hasAssignment(a: Assignment): boolean {
    return this.#assignments.has(assignmentKey(a));
  }

  // ---- changes; each returns what it replaced, for the audit's before/after

  /** Replaces the whole policy, checked as a whole first: nothing changes if any part is wrong. */
  async replace(policy: PolicySet): Promise<void> {
    const staged = await PolicyEngine.create({ clock: this.#clock });
    for (const d of orderDepartments(policy.departments)) await staged.putDepartment(d);
    for (const r of orderRoles(policy.roles)) await staged.putRole(r);
    for (const a of policy.assignments) await staged.assign(a);
    for (const r of policy.rules) await staged.putRule(r);
    for (const d of policy.delegations) await staged.putDelegation(d);
    await this.#apply(toCasbinLines(this.snapshot()), toCasbinLines(staged.snapshot()));
    for (const map of [this.#departments, this.#roles, this.#assignments, this.#rules, this.#delegations]) {
      map.clear();
    }
    for (const d of staged.#departments.values()) this.#departments.set(d.id, d);
    for (const [k, r] of staged.#roles) this.#roles.set(k, r);
    for (const [k, a] of staged.#assignments) this.#assignments.set(k, a);
    for (const r of staged.#rules.values()) this.#rules.set(r.id, r);
    for (const d of staged.#delegations.values()) this.#delegations.set(d.id, d);
  }

  async putDepartment(d: Department): Promise<Department | undefined> {
    if (d.parent !== undefined) {
      if (!this.#departments.has(d.parent)) this.#missing(`parent department "${d.parent}"`);
      const chain = [d.id];
      for (let up: string | undefined = d.parent; up; up = this.#departments.get(up)?.parent) {
        if (up === d.id) this.#conflict(`department "${d.id}" would be its own ancestor`);
        chain.push(up);
      }
      // Casbin's role manager follows 10 links; deeper hierarchies would silently stop reaching down.
      const below = this.#depthBelow(d.id);
      if (chain.length - 1 + below > MAX_HIERARCHY_LEVEL) {
        this.#conflict(`department hierarchies are at most ${MAX_HIERARCHY_LEVEL} levels deep`);
      }
    }
    const before = this.#departments.get(d.id);
    await this.#swap({ departments: before ? [before] : [] }, { departments: [d] });
    this.#departments.set(d.id, d);
    return before;
  }

  async removeDepartment(id: string): Promise<Department> {
    const before = this.#departments.get(id) ?? this.#missing(`department "${id}"`);
    const used =
      [...this.#departments.values()].some((d) => d.parent === id) ||
      [...this.#roles.values()].some((r) => r.department === id) ||
      [...this.#rules.values()].some((r) => r.department === id) ||
      [...this.#delegations.values()].some((d) => d.fromDepartment === id || d.toDepartment === id);
    if (used) this.#conflict(`department "${id}" still has sub-departments, roles, rules or delegations`);
    await this.#swap({ departments: [before] }, {});
    this.#departments.delete(id);
    return before;
  }

  async putRole(r: Role): Promise<Role | undefined> {
    if (!this.#departments.has(r.department)) this.#missing(`department "${r.department}"`);
    for (const inherited of r.inherits) {
      if (!this.#roles.has(roleKey(r.department, inherited))) {
        this.#missing(`role "${inherited}" of "${r.department}"`);
      }
      if (inherited === r.name || this.#inherits(r.department, inherited, r.name)) {
        this.#conflict(`role "${r.name}" would inherit from itself`);
      }
    }
    const key = roleKey(r.department, r.name);
    const before = this.#roles.get(key);
    await this.#swap({ roles: before ? [before] : [] }, { roles: [r] });
    this.#roles.set(key, r);
    return before;
  }

  async removeRole(department: string, name: string): Promise<Role> {
    const key = roleKey(department, name);
    const before = this.#roles.get(key) ?? this.#missing(`role "${name}" of "${department}"`);
    const inDept = (x: { department: string }) => x.department === department;
    const used =
      [...this.#assignments.values()].some((a) => inDept(a) && a.role === name) ||
      [...this.#rules.values()].some((r) => inDept(r) && (r.role === name || r.except === name)) ||
      [...this.#roles.values()].some((r) => inDept(r) && r.inherits.includes(name)) ||
      [...this.#delegations.values()].some((d) => d.toDepartment === department && d.toRole === name);
    if (used) this.#conflict(`role "${name}" is still held, inherited, or named by a rule or delegation`);
    await this.#swap({ roles: [before] }, {});
    this.#roles.delete(key);
    return before;
  }

  /** True when the assignment is new. */
  async assign(a: Assignment): Promise<boolean> {
    if (!this.#roles.has(roleKey(a.department, a.role)))
      this.#missing(`role "${a.role}" of "${a.department}"`);
    const key = assignmentKey(a);
    if (this.#assignments.has(key)) return false;
    await this.#swap({}, { assignments: [a] });
    this.#assignments.set(key, a);
    return true;
  }

  /** True when there was such an assignment. */
  async unassign(a: Assignment): Promise<boolean> {
    const key = assignmentKey(a);
    const before = this.#assignments.get(key);
    if (!before) return false;
    await this.#swap({ assignments: [before] }, {});
    this.#assignments.delete(key);
    return true;
  }

  async putRule(r: Rule): Promise<Rule | undefined> {
    if (!this.#departments.has(r.department)) this.#missing(`department "${r.department}"`);
    for (const name of [r.role, r.except]) {
      if (name !== undefined && name !== '*' && !this.#roles.has(roleKey(r.department, name))) {
        this.#missing(`role "${name}" of "${r.department}"`);
      }
    }
    const before = this.#rules.get(r.id);
    await this.#swap({ rules: before ? [before] : [] }, { rules: [r] });
    this.#rules.set(r.id, r);
    return before;
  }

  async removeRule(id: string): Promise<Rule> {
    const before = this.#rules.get(id) ?? this.#missing(`rule "${id}"`);
    await this.#swap({ rules: [before] }, {});
    this.#rules.delete(id);
    return before;
  }

  async putDelegation(d: Delegation): Promise<Delegation | undefined> {
    for (const id of [d.fromDepartment, d.toDepartment]) {
      if (!this.#departments.has(id)) this.#missing(`department "${id}"`);
    }
    if (!this.#roles.has(roleKey(d.toDepartment, d.toRole))) {
      this.#missing(`role "${d.toRole}" of "${d.toDepartment}"`);
    }
    const before = this.#delegations.get(d.id);
    await this.#swap({ delegations: before ? [before] : [] }, { delegations: [d] });
    this.#delegations.set(d.id, d);
    return before;
  }

  async removeDelegation(id: string): Promise<Delegation> {
    const before = this.#delegations.get(id) ?? this.#missing(`delegation "${id}"`);
    await this.#swap({ delegations: [before] }, {});
    this.#delegations.delete(id);
    return before;
  }

  // ---- internals

  /** Removes the lines of `before` and adds those of `after`. */
  async #swap(before: Partial<PolicySet>, after: Partial<PolicySet>): Promise<void> {
    await this.#apply(
      toCasbinLines({ ...emptyPolicySet(), ...before }),
      toCasbinLines({ ...emptyPolicySet(), ...after }),
    );
  }

  async #apply(before: CasbinLines, after: CasbinLines): Promise<void> {
    const gone = difference(before, after);
    const added = difference(after, before);
    if (this.#index) {
      const index = this.#index;
      for (const line of gone.p) index.removePolicy(line);
      for (const link of gone.g) index.removeLink(...link);
      for (const link of gone.g2) index.removeParent(...link);
      for (const link of gone.g3) index.removeReach(...link);
      for (const link of added.g3) index.addReach(...link);
      for (const link of added.g2) index.addParent(...link);
      for (const link of added.g) index.addLink(...link);
      for (const line of added.p) index.addPolicy(line);
      return;
    }
    const casbin = this.#casbin!;
    if (gone.p.length > 0) await casbin.removeNamedPolicies('p', gone.p);
    for (const type of ['g', 'g2', 'g3'] as const) {
      if (gone[type].length > 0) await casbin.removeNamedGroupingPolicies(type, gone[type]);
      if (added[type].length > 0) await casbin.addNamedGroupingPolicies(type, added[type]);
    }
    if (added.p.length > 0) await casbin.addNamedPolicies('p', added.p);
  }

  #inherits(department: string, from: string, target: string): boolean {
    const seen = new Set<string>();
    const walk = (name: string): boolean => {
      if (name === target) return true;
      if (seen.has(name)) return false;
      seen.add(name);
      return (this.#roles.get(roleKey(department, name))?.inherits ?? []).some(walk);
    };
    return walk(from);
  }

  #depthBelow(id: string): number {
    const children = [...this.#departments.values()].filter((d) => d.parent === id);
    return children.length === 0 ? 0 : 1 + Math.max(...children.map((c) => this.#depthBelow(c.id)));
  }

  #missing(what: string): never {
    throw new AuthzError('ERR_AUTHZ_NOT_FOUND', `no ${what}`);
  }

  #conflict(message: string): never {
    throw new AuthzError('ERR_AUTHZ_CONFLICT', message);
  }
}

function roleKey(department: string, name: string): string {
  return `${department}\u0000${name}`;
}

function assignmentKey(a: Assignment): string {
  return `${a.subject}\u0000${a.department}\u0000${a.role}`;
}

function normalize(model: string): string {
  return model.replace(/\\\n/g, ' ').replace(/\s+/g, ' ').trim();
}

function difference(a: CasbinLines, b: CasbinLines): CasbinLines {
  const minus = <T extends string[]>(xs: T[], ys: T[]) => {
    const keys = new Set(ys.map((y) => y.join('\u0000')));
    return xs.filter((x) => !keys.has(x.join('\u0000')));
  };
  return { p: minus(a.p, b.p), g: minus(a.g, b.g), g2: minus(a.g2, b.g2), g3: minus(a.g3, b.g3) };
}

/** Parents before children, so each department's parent exists when it is added. */
export function orderDepartments(departments: readonly Department[]): Department[] {
  const byId = new Map(departments.map((d) => [d.id, d]));
  const ordered: Department[] = [];
  const placed = new Set<string>();
  const place = (d: Department, depth: number) => {
    if (placed.has(d.id) || depth > departments.length) return;
    const parent = d.parent === undefined ? undefined : byId.get(d.parent);
    if (parent) place(parent, depth + 1);
    placed.add(d.id);
    ordered.push(d);
  };
  for (const d of departments) place(d, 0);
  return ordered;
}

/** Inherited roles before the roles inheriting them. */
export function orderRoles(roles: readonly Role[]): Role[] {
  const byKey = new Map(roles.map((r) => [roleKey(r.department, r.name), r]));
  const ordered: Role[] = [];
  const placed = new Set<string>();
  const place = (r: Role, depth: number) => {
    const key = roleKey(r.department, r.name);
    if (placed.has(key) || depth > roles.length) return;
    for (const name of r.inherits) {
      const inherited = byKey.get(roleKey(r.department, name));
      if (inherited) place(inherited, depth + 1);
    }
    placed.add(key);
    ordered.push(r);
  };
  for (const r of roles) place(r, 0);
  return ordered;
}
