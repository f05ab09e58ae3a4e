import { StoreError, type Change, type Store, type Transaction } from '@onegate/store';
import type { AuthzAuditEvent, AuthzAuditSink } from './authz-audit.ts';
import { whatCan, whoCan, type WhatCanResult, type WhoCanResult } from './access-review.ts';
import { decideAll, decisionEvent, type CheckCaller, type CheckResult, type Decided } from './decisions.ts';
import { explain, type Explanation } from './explain.ts';
import { AuthzError, isAuthzError } from './errors.ts';
import { POLICY_TOPIC, feedKey, parseFeedKey, type PolicyEntity } from './policy-feed.ts';
import { PolicyEngine } from './policy-engine.ts';
import { actor as validActor, assignment as validAssignment, policySet } from './policy-set-input.ts';
import { refreshEntity } from './policy-sync.ts';
import * as tables from './policy-tables.ts';
import type {
  Assignment,
  Delegation,
  DelegationStatus,
  Department,
  PolicySet,
  Role,
  Rule,
} from './policy.ts';
import { SerialQueue } from './serial-queue.ts';
import * as validate from './validate.ts';

export interface AuthzServiceOptions {
  store: Store;
  audit: AuthzAuditSink;
  /** Epoch milliseconds now: delegations' windows and decisions are judged by it. */
  clock?: () => number;
  /** The operator's own Casbin model (text); decisions then come from Casbin's enforcer. */
  model?: string;
  /** Share of allow decisions audited, 0 to 1 (default 1, all); denies are always audited. */
  auditAllowSampleRate?: number;
  /** Background failures (following other instances' changes); the service carries on. */
  onError?: (err: unknown) => void;
}

export interface PolicyCounts {
  departments: number;
  roles: number;
  assignments: number;
  rules: number;
  delegations: number;
}

/** What one change does, worked out against the current policy inside its transaction. */
interface Plan<R> {
  entity: PolicyEntity;
  write(tx: Transaction, now: number): Promise<void>;
  /** Makes the change in the engine, once it is committed. */
  apply(): Promise<unknown>;
  result: R;
  audit: Omit<AuthzAuditEvent, 'actor' | 'outcome'>;
}

/** The engine lags the database (another instance changed the policy a moment ago): reload, then retry. */
class Stale extends Error {}

/** The change is already in place: the transaction is rolled back and `value` returned. */
class Unchanged extends Error {
  readonly value: unknown;

  constructor(value: unknown) {
    super('unchanged');
    this.value = value;
  }
}

/** Concurrent changes through other instances: re-read and retry, a little later each time. */
const STALE_RETRIES = 8;
const DELEGATION_STATUSES: readonly DelegationStatus[] = ['pending', 'approved', 'revoked'];

/**
 * The policy kept in the store and enforced from memory. Every instance
 * holds the whole policy in a `PolicyEngine`; a change is checked by the
 * engine, written with its change-feed notice in one transaction, applied
 * locally, and audited; other instances re-read the entity named by the
 * notice. A version counter bumped by every change serializes changes across
 * instances and tells an instance that it missed one (then it reloads).
 */
export class AuthzService {
  readonly engine: PolicyEngine;
  readonly #store: Store;
  readonly #audit: AuthzAuditSink;
  readonly #clock: () => number;
  readonly #allowRate: number;
  readonly #onError: (err: unknown) => void;
  /** Changes, reloads and followed notices, one at a time. */
  readonly #queue = new SerialQueue();
  /** The policy version the engine holds; -1 before the first load, -2 when it must reload. */
  #version = -1;
  /** This database's mark on its change notices, read with the policy. */
  #feedId = '';
  #loaded = false;
  #unsubscribe: (() => void) | undefined;

  private constructor(options: AuthzServiceOptions, engine: PolicyEngine, allowRate: number) {
    this.engine = engine;
    this.#store = options.store;
    this.#audit = options.audit;
    this.#clock = options.clock ?? Date.now;
    this.#allowRate = allowRate;
    this.#onError = options.onError ?? (() => undefined);
  }

  static async create(options: AuthzServiceOptions): Promise<AuthzService> {
    const rate = options.auditAllowSampleRate ?? 1;
    if (!(rate >= 0 && rate <= 1)) {
      throw new AuthzError('ERR_AUTHZ_INVALID', 'the allow audit sampling rate is between 0 and 1');
    }
    const engine = await PolicyEngine.create({
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.model !== undefined ? { model: options.model } : {}),
    });
    return new AuthzService(options, engine, rate);
  }

  /** Loads the policy and follows other instances' changes until `stop`. */
  async start(): Promise<void> {
    if (this.#unsubscribe) return;
    // Subscribe first, so that nothing committed after the load goes unnoticed.
    this.#unsubscribe = await this.#store.subscribe(POLICY_TOPIC, (change) => {
      this.#queue.run(() => this.#follow(change)).catch(this.#onError);
    });
    await this.#queue.run(() => this.#reload());
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#queue.run(async () => undefined);
  }

  // ---- decisions

  /** Decides one check (validated here); a deny is audited before the answer is returned. */
  async check(input: unknown, caller: CheckCaller): Promise<CheckResult> {
    const decided = this.#decide([input], false);
    await this.#auditDecisions(decided, caller);
    return decided[0]!.result;
  }

  /** Decides up to 1,000 checks; one invalid check fails them all, and then nothing is audited. */
  async checkMany(inputs: readonly unknown[], caller: CheckCaller): Promise<CheckResult[]> {
    const decided = this.#decide(inputs, true);
    await this.#auditDecisions(decided, caller);
    return decided.map((d) => d.result);
  }

  #decide(inputs: readonly unknown[], batch: boolean): Decided[] {
    if (!this.#loaded) throw new Error('AuthzService.start() has not run');
    return decideAll(this.engine, inputs, batch);
  }

  async #auditDecisions(decided: Decided[], caller: CheckCaller): Promise<void> {
    const events = decided
      .filter((d) => !d.result.allowed || this.#sampleAllow())
      .map((d) => decisionEvent(d, caller));
    if (events.length === 0) return;
    // Written together, the sink commits them in one append (or a few group transactions), not one by one.
    if (this.#audit.writeMany) await this.#audit.writeMany(events);
    else await Promise.all(events.map((event) => this.#audit.write(event)));
  }

  #sampleAllow(): boolean {
    return this.#allowRate >= 1 || (this.#allowRate > 0 && Math.random() < this.#allowRate);
  }

  // ---- explanations and access review, from the policy in force (built-in model only)

  /** Every rule that matched or blocked the check, the role path, and why a deny won. */
  explain(input: unknown): Explanation {
    return explain(this.engine, validate.checkRequest(input));
  }

  /** Who can do `action` on `resource` (for `purpose`), one entry per way in. */
  whoCan(query: { action: unknown; resource: unknown; purpose?: unknown }): WhoCanResult {
    return whoCan(this.engine, query);
  }

  /** What `subject` can do, everywhere or in one department. */
  whatCan(query: { subject: unknown; department?: unknown }): WhatCanResult {
    return whatCan(this.engine, query);
  }

  // ---- reading the stored policy

  departments(): Promise<Department[]> {
    return tables.listDepartments(this.#store);
  }

  async department(id: unknown): Promise<Department> {
    const found = await tables.readDepartment(this.#store, validate.slug(id, 'department id'));
    return found ?? missing(`department "${String(id)}"`);
  }

  async roles(department?: unknown): Promise<Role[]> {
    return tables.listRoles(this.#store, optionalSlug(department, 'department'));
  }

  async role(department: unknown, name: unknown): Promise<Role> {
    const d = validate.slug(department, 'department');
    const n = validate.slug(name, 'role');
    return (await tables.readRole(this.#store, d, n)) ?? missing(`role "${n}" of "${d}"`);
  }

  /** By subject, or by department (and role): never the whole government at once. */
  async assignments(filter: {
    subject?: unknown;
    department?: unknown;
    role?: unknown;
  }): Promise<Assignment[]> {
    if (filter.subject !== undefined && filter.subject !== '') {
      return tables.listAssignments(this.#store, { subject: validate.subject(filter.subject) });
    }
    if (filter.department === undefined || filter.department === '') {
      throw new AuthzError('ERR_AUTHZ_INVALID', 'list assignments by subject, or by department (and role)');
    }
    return tables.listAssignments(this.#store, {
      department: validate.slug(filter.department, 'department'),
      role: optionalSlug(filter.role, 'role'),
    });
  }

  async rules(department?: unknown): Promise<Rule[]> {
    return tables.listRules(this.#store, optionalSlug(department, 'department'));
  }

  async rule(id: unknown): Promise<Rule> {
    const found = await tables.readRule(this.#store, validate.slug(id, 'rule id'));
    return found ?? missing(`rule "${String(id)}"`);
  }

  async delegations(filter: { department?: unknown; status?: unknown } = {}): Promise<Delegation[]> {
    const status = filter.status === undefined || filter.status === '' ? undefined : filter.status;
    if (status !== undefined && !DELEGATION_STATUSES.includes(status as DelegationStatus)) {
      throw new AuthzError('ERR_AUTHZ_INVALID', `status must be one of ${DELEGATION_STATUSES.join(', ')}`);
    }
    return tables.listDelegations(this.#store, {
      department: optionalSlug(filter.department, 'department'),
      status: status as DelegationStatus | undefined,
    });
  }

  async delegation(id: unknown): Promise<Delegation> {
    const found = await tables.readDelegation(this.#store, validate.slug(id, 'delegation id'));
    return found ?? missing(`delegation "${String(id)}"`);
  }

  // ---- changes: each checked by the engine before anything is written

  async putDepartment(input: unknown, actor: string): Promise<{ department: Department; created: boolean }> {
    const d = validate.department(input);
    return this.#change(actor, async () => {
      const before = this.engine.department(d.id);
      await this.#rehearse(
        () => this.engine.putDepartment(d),
        () => (before ? this.engine.putDepartment(before) : this.engine.removeDepartment(d.id)),
      );
      return {
        entity: { kind: 'department', id: d.id },
        write: (tx, now) => tables.writeDepartment(tx, d, now),
        apply: () => this.engine.putDepartment(d),
        result: { department: d, created: before === undefined },
        audit: { action: 'authz.department_put', details: { before: before ?? null, after: d } },
      };
    });
  }

  async removeDepartment(id: unknown, actor: string): Promise<Department> {
    const key = validate.slug(id, 'department id');
    return this.#change(actor, async () => {
      const before = this.engine.department(key) ?? missing(`department "${key}"`);
      await this.#rehearse(
        () => this.engine.removeDepartment(key),
        () => this.engine.putDepartment(before),
      );
      return {
        entity: { kind: 'department', id: key },
        write: (tx) => tables.deleteDepartment(tx, key),
        apply: () => this.engine.removeDepartment(key),
        result: before,
        audit: { action: 'authz.department_remove', details: { before, after: null } },
      };
    });
  }

  async putRole(input: unknown, actor: string): Promise<{ role: Role; created: boolean }> {
    const r = validate.role(input);
    return this.#change(actor, async () => {
      const before = this.engine.role(r.department, r.name);
      await this.#rehearse(
        () => this.engine.putRole(r),
        () => (before ? this.engine.putRole(before) : this.engine.removeRole(r.department, r.name)),
      );
      return {
        entity: { kind: 'role', department: r.department, name: r.name },
        write: (tx, now) => tables.writeRole(tx, r, now),
        apply: () => this.engine.putRole(r),
        result: { role: r, created: before === undefined },
        audit: { action: 'authz.role_put', details: { before: before ?? null, after: r } },
      };
    });
  }

  async removeRole(department: unknown, name: unknown, actor: string): Promise<Role> {
    const d = validate.slug(department, 'department');
    const n = validate.slug(name, 'role');
    return this.#change(actor, async () => {
      const before = this.engine.role(d, n) ?? missing(`role "${n}" of "${d}"`);
      await this.#rehearse(
        () => this.engine.removeRole(d, n),
        () => this.engine.putRole(before),
      );
      return {
        entity: { kind: 'role', department: d, name: n },
        write: (tx) => tables.deleteRole(tx, d, n),
        apply: () => this.engine.removeRole(d, n),
        result: before,
        audit: { action: 'authz.role_remove', details: { before, after: null } },
      };
    });
  }

  /** `created` is false when the subject already held the role (then nothing is written or audited). */
  async assign(input: unknown, actor: string): Promise<{ assignment: Assignment; created: boolean }> {
    const a = validAssignment(input);
    return this.#change<{ assignment: Assignment; created: boolean }>(actor, async () => {
      if (this.engine.hasAssignment(a)) return { unchanged: { assignment: a, created: false } };
      await this.#rehearse(
        () => this.engine.assign(a),
        () => this.engine.unassign(a),
      );
      return {
        entity: { kind: 'assignment', assignment: a },
        write: (tx, now) => tables.insertAssignment(tx, a, now),
        apply: () => this.engine.assign(a),
        result: { assignment: a, created: true },
        audit: { action: 'authz.assignment_add', subject: a.subject, details: { before: null, after: a } },
      };
    });
  }

  async unassign(input: unknown, actor: string): Promise<Assignment> {
    const a = validAssignment(input);
    return this.#change(actor, async () => {
      if (!this.engine.hasAssignment(a))
        missing(`assignment of "${a.role}" in "${a.department}" to that subject`);
      await this.#rehearse(
        () => this.engine.unassign(a),
        () => this.engine.assign(a),
      );
      return {
        entity: { kind: 'assignment', assignment: a },
        write: (tx) => tables.deleteAssignment(tx, a),
        apply: () => this.engine.unassign(a),
        result: a,
        audit: { action: 'authz.assignment_remove', subject: a.subject, details: { before: a, after: null } },
      };
    });
  }

  async putRule(input: unknown, actor: string): Promise<{ rule: Rule; created: boolean }> {
    const r = validate.rule(input);
    return this.#change(actor, async () => {
      const before = this.engine.rule(r.id);
      await this.#rehearse(
        () => this.engine.putRule(r),
        () => (before ? this.engine.putRule(before) : this.engine.removeRule(r.id)),
      );
      return {
        entity: { kind: 'rule', id: r.id },
        write: (tx, now) => tables.writeRule(tx, r, now),
        apply: () => this.engine.putRule(r),
        result: { rule: r, created: before === undefined },
        audit: { action: 'authz.rule_put', details: { before: before ?? null, after: r } },
      };
    });
  }

  async removeRule(id: unknown, actor: string): Promise<Rule> {
    const key = validate.slug(id, 'rule id');
    return this.#change(actor, async () => {
      const before = this.engine.rule(key) ?? missing(`rule "${key}"`);
      await this.#rehearse(
        () => this.engine.removeRule(key),
        () => this.engine.putRule(before),
      );
      return {
        entity: { kind: 'rule', id: key },
        write: (tx) => tables.deleteRule(tx, key),
        apply: () => this.engine.removeRule(key),
        result: before,
        audit: { action: 'authz.rule_remove', details: { before, after: null } },
      };
    });
  }

  /** A new data-sharing agreement, `pending` until someone other than `actor` approves it. */
  async createDelegation(input: unknown, actor: string): Promise<Delegation> {
    const d: Delegation = {
      ...validate.delegationRequest(input),
      createdBy: validActor(actor, 'actor'),
      status: 'pending',
    };
    return this.#change(actor, async () => {
      if (this.engine.delegation(d.id)) conflict(`delegation "${d.id}" already exists`);
      await this.#rehearse(
        () => this.engine.putDelegation(d),
        () => this.engine.removeDelegation(d.id),
      );
      return this.#delegationPlan(undefined, d, 'authz.delegation_create');
    });
  }

  /** The two-person rule: its author cannot approve it. A refused approval is audited too. */
  async approveDelegation(id: unknown, actor: string): Promise<Delegation> {
    const key = validate.slug(id, 'delegation id');
    const approver = validActor(actor, 'actor');
    return this.#refusalsAudited('authz.delegation_approve', key, actor, () =>
      this.#change(actor, async () => {
        const before = this.engine.delegation(key) ?? missing(`delegation "${key}"`);
        if (before.status !== 'pending') conflict(`delegation "${key}" is ${before.status}, not pending`);
        if (before.createdBy === approver) {
          conflict(`delegation "${key}" must be approved by someone other than its author`);
        }
        if (before.expiresAt <= this.#clock()) conflict(`delegation "${key}" has already expired`);
        const after: Delegation = { ...before, status: 'approved', approvedBy: approver };
        await this.#rehearse(
          () => this.engine.putDelegation(after),
          () => this.engine.putDelegation(before),
        );
        return this.#delegationPlan(before, after, 'authz.delegation_approve');
      }),
    );
  }

  /** Ends a delegation, pending or approved, for every instance at once: no decision uses it after. */
  async revokeDelegation(id: unknown, actor: string, reason?: unknown): Promise<Delegation> {
    const key = validate.slug(id, 'delegation id');
    const why = reason === undefined || reason === null ? undefined : revocationReason(reason);
    return this.#refusalsAudited('authz.delegation_revoke', key, actor, () =>
      this.#change(actor, async () => {
        const before = this.engine.delegation(key) ?? missing(`delegation "${key}"`);
        if (before.status === 'revoked') conflict(`delegation "${key}" is already revoked`);
        const after: Delegation = { ...before, status: 'revoked' };
        await this.#rehearse(
          () => this.engine.putDelegation(after),
          () => this.engine.putDelegation(before),
        );
        const plan = this.#delegationPlan(before, after, 'authz.delegation_revoke');
        if (why !== undefined) plan.audit.reason = why;
        return plan;
      }),
    );
  }

  /**
   * Replaces the whole policy (`onegate policy load`): validated as a whole
   * first, then written in one transaction; audited as one event with counts.
   */
  async replace(input: unknown, actor: string): Promise<{ before: PolicyCounts; after: PolicyCounts }> {
    const policy = policySet(input);
    // References are checked on a scratch engine: this needs no lock and touches nothing.
    const scratch = await PolicyEngine.create({ clock: this.#clock });
    await scratch.replace(policy);
    return this.#change(actor, async () => {
      const counts = { before: countOf(this.engine.snapshot()), after: countOf(policy) };
      return {
        entity: { kind: 'policy' },
        write: (tx, now) => tables.replaceAllRows(tx, policy, now),
        apply: () => this.engine.replace(policy),
        result: counts,
        audit: { action: 'authz.policy_replace', details: counts },
      };
    });
  }

  // ---- internals

  #delegationPlan(before: Delegation | undefined, after: Delegation, action: string): Plan<Delegation> {
    return {
      entity: { kind: 'delegation', id: after.id },
      write: (tx, now) => tables.writeDelegation(tx, after, now),
      apply: () => this.engine.putDelegation(after),
      result: after,
      audit: { action, details: { delegationId: after.id, before: before ?? null, after } },
    };
  }

  /**
   * One change: inside one transaction, the version is bumped (which waits
   * for any other instance's change to commit), the engine must be at the
   * version before it (else it reloads and tries again), the plan is worked
   * out and rehearsed on the engine, then written with its notice. Only
   * after the commit does the engine make the change for real.
   */
  async #change<R>(actor: string, plan: () => Promise<Plan<R> | { unchanged: R }>): Promise<R> {
    const { result, event } = await this.#queue.run(async () => {
      for (let attempt = 1; ; attempt++) {
        let committed: { version: number; planned: Plan<R> };
        try {
          committed = await this.#store.transaction(async (tx) => {
            const version = await tables.bumpVersion(tx);
            if (version !== this.#version + 1) throw new Stale();
            const planned = await plan();
            // Nothing to write: roll the bump back, so no instance waits for a notice that never comes.
            if ('unchanged' in planned) throw new Unchanged(planned.unchanged);
            await planned.write(tx, this.#clock());
            await tx.notify(POLICY_TOPIC, feedKey({ feedId: this.#feedId, version, entity: planned.entity }));
            return { version, planned };
          });
        } catch (err) {
          if (err instanceof Unchanged) return { result: err.value as R, event: undefined };
          if (!(err instanceof Stale)) throw err;
          if (attempt >= STALE_RETRIES) {
            throw new StoreError('ERR_STORE_BUSY', 'the policy kept changing under this change; try again');
          }
          // A short random pause, so two instances racing each other do not keep colliding.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
          await this.#reload();
          continue;
        }
        const { version, planned } = committed;
        try {
          await planned.apply();
          this.#version = version;
        } catch (err) {
          // Rehearsed a moment ago on the same state, so unexpected; the database is right, so reload.
          this.#onError(err);
          await this.#reload();
        }
        return { result: planned.result, event: planned.audit };
      }
    });
    if (event) await this.#audit.write({ ...event, actor, outcome: 'success' });
    return result;
  }

  /** Tries a change on the engine and takes it back: throws, having changed nothing, if the policy refuses it. */
  async #rehearse(change: () => Promise<unknown>, undo: () => Promise<unknown>): Promise<void> {
    await change();
    try {
      await undo();
    } catch (err) {
      this.#onError(err);
      this.#version = -2; // forces a reload before the next change or followed notice applies
      throw err;
    }
  }

  async #refusalsAudited<R>(action: string, id: string, actor: string, run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (err) {
      if (isAuthzError(err, 'ERR_AUTHZ_CONFLICT')) {
        await this.#audit.write({
          action,
          outcome: 'denied',
          actor,
          reason: err.message,
          details: { delegationId: id },
        });
      }
      throw err;
    }
  }

  async #reload(): Promise<void> {
    const { version, feedId, policy } = await tables.loadPolicy(this.#store);
    await this.engine.replace(policy);
    this.#version = version;
    this.#feedId = feedId;
    this.#loaded = true;
  }

  /** A notice from the feed: re-read the entity it names, or reload if one was missed. */
  async #follow(change: Change): Promise<void> {
    if (this.#version === -1) return; // the first load is still to come and will see it
    if (change.resync) return this.#reload();
    const notice = change.key === undefined ? undefined : parseFeedKey(change.key);
    if (!notice) {
      this.#onError(new AuthzError('ERR_AUTHZ_INVALID', 'ignored a malformed policy change notice'));
      return;
    }
    if (notice.feedId !== this.#feedId) return; // another OneGate's database on the same PostgreSQL
    if (notice.version <= this.#version) return; // our own change, or already loaded
    if (notice.version > this.#version + 1 || notice.entity.kind === 'policy') return this.#reload();
    try {
      await refreshEntity(this.#store, this.engine, notice.entity);
      this.#version = notice.version;
    } catch (err) {
      // An entity read ahead of a change it depends on (its notice still to come): the whole policy is consistent.
      if (!isAuthzError(err)) this.#onError(err);
      await this.#reload();
    }
  }
}

function missing(what: string): never {
  throw new AuthzError('ERR_AUTHZ_NOT_FOUND', `no ${what}`);
}

function conflict(message: string): never {
  throw new AuthzError('ERR_AUTHZ_CONFLICT', message);
}

function optionalSlug(value: unknown, what: string): string | undefined {
  return value === undefined || value === '' ? undefined : validate.slug(value, what);
}

function revocationReason(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 1000) {
    throw new AuthzError('ERR_AUTHZ_INVALID', 'reason must be text of 1 to 1000 characters');
  }
  return value;
}

function countOf(policy: PolicySet): PolicyCounts {
  return {
    departments: policy.departments.length,
    roles: policy.roles.length,
    assignments: policy.assignments.length,
    rules: policy.rules.length,
    delegations: policy.delegations.length,
  };
}
