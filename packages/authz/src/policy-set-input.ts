import { AuthzError, isAuthzError } from './errors.ts';
import type { Assignment, Delegation, DelegationStatus, PolicySet } from './policy.ts';
import * as validate from './validate.ts';

const ACTOR = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/;
const STATUSES: readonly DelegationStatus[] = ['pending', 'approved', 'revoked'];

function invalid(message: string): never {
  throw new AuthzError('ERR_AUTHZ_INVALID', message);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(`${what} must be an object`);
  return value as Record<string, unknown>;
}

/** Who created or approved something: an account id, a client id or `operator`. */
export function actor(value: unknown, what: string): string {
  if (typeof value !== 'string' || !ACTOR.test(value)) {
    invalid(
      `${what} must be an account or client id (letters, digits and . _ @ : -; at most 128 characters)`,
    );
  }
  return value;
}

export function assignment(value: unknown): Assignment {
  const body = record(value, 'an assignment');
  return {
    subject: validate.subject(body['subject']),
    department: validate.slug(body['department'], 'department'),
    role: validate.slug(body['role'], 'role'),
  };
}

/** A stored delegation as a policy file carries it; an approved one names an approver other than its author. */
export function delegation(value: unknown): Delegation {
  const body = record(value, 'a delegation');
  const status = body['status'] ?? 'pending';
  if (!STATUSES.includes(status as DelegationStatus)) invalid(`status must be one of ${STATUSES.join(', ')}`);
  const createdBy = actor(body['createdBy'], 'createdBy');
  const approvedBy =
    body['approvedBy'] === undefined || body['approvedBy'] === null
      ? undefined
      : actor(body['approvedBy'], 'approvedBy');
  if (status === 'approved' && (approvedBy === undefined || approvedBy === createdBy)) {
    invalid('an approved delegation names its approver, who is not its author (two-person rule)');
  }
  return { ...validate.delegationRequest(body), createdBy, approvedBy, status: status as DelegationStatus };
}

/**
 * A whole policy set from untrusted input, every entity validated, each
 * error naming where it is (`rules[3]: …`). References between entities are
 * the engine's to check.
 */
export function policySet(value: unknown): PolicySet {
  const body = record(value, 'a policy set');
  const each = <T>(field: keyof PolicySet, parse: (v: unknown) => T, key: (t: T) => string): T[] => {
    const items = body[field] ?? [];
    if (!Array.isArray(items)) invalid(`${field} must be a list`);
    const seen = new Set<string>();
    return items.map((item: unknown, i) => {
      try {
        const parsed = parse(item);
        const k = key(parsed);
        if (seen.has(k)) invalid(`${k} appears twice`);
        seen.add(k);
        return parsed;
      } catch (err) {
        if (!isAuthzError(err)) throw err;
        throw new AuthzError(err.code, `${field}[${i}]: ${err.message}`);
      }
    });
  };
  return {
    departments: each('departments', validate.department, (d) => d.id),
    roles: each('roles', validate.role, (r) => `${r.department}/${r.name}`),
    assignments: each('assignments', assignment, (a) => `${a.subject} as ${a.department}/${a.role}`),
    rules: each('rules', validate.rule, (r) => r.id),
    delegations: each('delegations', delegation, (d) => d.id),
  };
}
