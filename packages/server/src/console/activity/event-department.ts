import type { AuditEvent } from '@onegate/audit';
import type { PolicySet } from '@onegate/authz';

/** The bucket of events that belong to no department: citizens' sign-ins, unknown accounts. */
export const NO_DEPARTMENT = '';

/**
 * Which department an event counts for. OneGate's own events carry no
 * `actor.department`, so it is worked out: the department of the resource
 * (authz decisions and decrypts name `department/…`), else, for a sign-in,
 * the department the account holds a role in (the first by name when
 * several), else none.
 */
export class EventDepartments {
  readonly #known: Set<string>;
  readonly #ofSubject = new Map<string, string>();

  constructor(policy: Pick<PolicySet, 'departments' | 'assignments'>) {
    this.#known = new Set(policy.departments.map((d) => d.id));
    for (const a of [...policy.assignments].sort((x, y) => x.department.localeCompare(y.department))) {
      if (!this.#ofSubject.has(a.subject)) this.#ofSubject.set(a.subject, a.department);
    }
  }

  of(event: AuditEvent): string {
    if (event.actor.department !== undefined && this.#known.has(event.actor.department)) {
      return event.actor.department;
    }
    const resource = event.target?.resource ?? resourceInDetails(event);
    const head = resource?.split('/', 1)[0];
    if (head !== undefined && this.#known.has(head)) return head;
    const account = event.actor.type === 'user' ? event.actor.id : event.target?.subject;
    return (account !== undefined && this.#ofSubject.get(account)) || NO_DEPARTMENT;
  }

  /** The department an account holds a role in (the first by name), if any. */
  ofAccount(accountId: string): string {
    return this.#ofSubject.get(accountId) ?? NO_DEPARTMENT;
  }
}

function resourceInDetails(event: AuditEvent): string | undefined {
  const value = event.details?.['resource'];
  return typeof value === 'string' ? value : undefined;
}
