import type { Assignment, Delegation, Department, Role, Rule } from './policy.ts';

/**
 * How findings and file errors name one entity of a policy set: roles are
 * keyed by department and name, assignments by all three of their fields.
 */
export type EntityKind = 'department' | 'role' | 'assignment' | 'rule' | 'delegation';

export interface EntityRef {
  kind: EntityKind;
  id: string;
}

export function departmentRef(d: Pick<Department, 'id'>): EntityRef {
  return { kind: 'department', id: d.id };
}

export function roleRef(r: Pick<Role, 'department' | 'name'>): EntityRef {
  return { kind: 'role', id: `${r.department}/${r.name}` };
}

export function assignmentRef(a: Assignment): EntityRef {
  return { kind: 'assignment', id: `${a.subject} as ${a.department}/${a.role}` };
}

export function ruleRef(r: Pick<Rule, 'id'>): EntityRef {
  return { kind: 'rule', id: r.id };
}

export function delegationRef(d: Pick<Delegation, 'id'>): EntityRef {
  return { kind: 'delegation', id: d.id };
}

/** A map key: equal for the same entity, distinct across kinds. */
export function refKey(ref: EntityRef): string {
  return `${ref.kind}\u0000${ref.id}`;
}

/** `rule hz-clerk-read`, `role civil-affairs/auditor`. */
export function describeRef(ref: EntityRef): string {
  return `${ref.kind} ${ref.id}`;
}
