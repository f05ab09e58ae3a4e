import type { Assignment } from './policy.ts';
import * as validate from './validate.ts';

/** The change-feed topic of policy changes. */
export const POLICY_TOPIC = 'authz.policy';

/** What one change touched; `policy` is a whole replacement. */
export type PolicyEntity =
  | { kind: 'department'; id: string }
  | { kind: 'role'; department: string; name: string }
  | { kind: 'assignment'; assignment: Assignment }
  | { kind: 'rule'; id: string }
  | { kind: 'delegation'; id: string }
  | { kind: 'policy' };

export interface Notice {
  /** Which database's policy changed (another OneGate may share the PostgreSQL server). */
  feedId: string;
  /** The policy version the change made. */
  version: number;
  entity: PolicyEntity;
}

/**
 * `<feed id> <version> <kind>:<name>`, e.g. `3f9a0c1d2e4b5a69 42 rule:hz-view`
 * or `… 43 assignment:wang.clerk/civil-affairs-hz/clerk`. The version lets an
 * instance notice a change it missed; the name which entity to re-read.
 */
export function feedKey({ feedId, version, entity }: Notice): string {
  return `${feedId} ${version} ${entityName(entity)}`;
}

function entityName(entity: PolicyEntity): string {
  switch (entity.kind) {
    case 'policy':
      return 'policy';
    case 'role':
      return `role:${entity.department}/${entity.name}`;
    case 'assignment': {
      const a = entity.assignment;
      return `assignment:${a.subject}/${a.department}/${a.role}`;
    }
    case 'department':
    case 'rule':
    case 'delegation':
      return `${entity.kind}:${entity.id}`;
  }
}

/** Anyone with database access can publish on the feed: only well-formed keys are taken. */
export function parseFeedKey(key: string): Notice | undefined {
  const match = /^([0-9a-f]{16}) ([1-9][0-9]{0,15}) ([a-z]+)(?::(.+))?$/.exec(key);
  if (!match) return undefined;
  const [feedId, version] = [match[1]!, Number(match[2])];
  const [kind, name] = [match[3]!, match[4]];
  const notice = (entity: PolicyEntity): Notice => ({ feedId, version, entity });
  try {
    if (kind === 'policy' && name === undefined) return notice({ kind });
    if (name === undefined) return undefined;
    const parts = name.split('/');
    switch (kind) {
      case 'department':
      case 'rule':
      case 'delegation':
        return parts.length === 1 ? notice({ kind, id: validate.slug(name, kind) }) : undefined;
      case 'role':
        return parts.length === 2
          ? notice({
              kind,
              department: validate.slug(parts[0], 'department'),
              name: validate.slug(parts[1], 'role'),
            })
          : undefined;
      case 'assignment':
        return parts.length === 3
          ? notice({
              kind,
              assignment: {
                subject: validate.subject(parts[0]),
                department: validate.slug(parts[1], 'department'),
                role: validate.slug(parts[2], 'role'),
              },
            })
          : undefined;
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}
