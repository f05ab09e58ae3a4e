import type { AcrLevel, PolicySet } from './policy.ts';

/**
 * The built-in Casbin model; `policies/model.conf` holds the same text for
 * operators to read (a test keeps the two equal).
 *
 * - `r.dom` is the department owning the resource, `r.obj` the rest of its path.
 * - `p.subdom` is where `p.sub` (a role, a `user:` subject or `*`) is held; it
 *   equals `p.dom` for a department's own rules and is the receiving
 *   department for a delegation.
 * - `g` links subjects to roles and roles to inherited roles, per department;
 *   `g2` links a department to its parent; `g3` marks `role@department` as
 *   reaching down, so its rules also cover departments below.
 * - Acr levels and times are numbers in the request, digit strings in the policy.
 */
export const MODEL_TEXT = `[request_definition]
r = sub, dom, obj, act, purpose, acr, now

[policy_definition]
p = sub, subdom, dom, obj, act, purpose, minacr, nbf, exp, eft, except, id

[role_definition]
g = _, _, _
g2 = _, _
g3 = _, _

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = (p.sub == "*" || g(r.sub, p.sub, p.subdom)) \\
  && (p.except == "" || !g(r.sub, p.except, p.subdom)) \\
  && (r.dom == p.dom || (p.subdom == p.dom && g3(p.sub + "@" + p.dom, "reach-down") && g2(r.dom, p.dom))) \\
  && keyMatch2(r.obj, p.obj) \\
  && (p.act == "*" || r.act == p.act) \\
  && (p.purpose == "*" || r.purpose == p.purpose) \\
  && r.acr >= p.minacr \\
  && r.now >= p.nbf && r.now < p.exp
`;

/** `p` line fields, in model order. */
export type PolicyLine = [
  sub: string,
  subdom: string,
  dom: string,
  obj: string,
  act: string,
  purpose: string,
  minacr: string,
  nbf: string,
  exp: string,
  eft: string,
  except: string,
  id: string,
];

/** `g` (subject or role, role, department), `g2` (department, parent), `g3` (role@department, `reach-down`). */
export interface CasbinLines {
  p: PolicyLine[];
  g: Array<[string, string, string]>;
  g2: Array<[string, string]>;
  g3: Array<[string, string]>;
}

export const REACH_DOWN = 'reach-down';
/** The latest instant JavaScript dates know: "no expiry". */
export const FOREVER = 8_640_000_000_000_000;

const ACR_NUMBERS: Record<AcrLevel, number> = { low: 1, substantial: 2, high: 3 };

/** 0 when not signed in interactively (a service acting for itself). */
export function acrNumber(acr: AcrLevel | undefined): number {
  return acr === undefined ? 0 : ACR_NUMBERS[acr];
}

/** How a subject appears in Casbin, apart from role names. */
export function subjectKey(subject: string): string {
  return `user:${subject}`;
}

export function ruleLineId(id: string): string {
  return `rule:${id}`;
}

export function delegationLineId(id: string): string {
  return `delegation:${id}`;
}

/** `civil-affairs/marriage-records/*` → [`civil-affairs`, `/marriage-records/*`]. */
export function splitResource(resource: string): [dom: string, obj: string] {
  const slash = resource.indexOf('/');
  return [resource.slice(0, slash), resource.slice(slash)];
}

/** The Casbin lines of a (validated) policy set, at no particular time: delegations carry their own window. */
export function toCasbinLines(policy: PolicySet): CasbinLines {
  const lines: CasbinLines = { p: [], g: [], g2: [], g3: [] };
  for (const d of policy.departments) if (d.parent) lines.g2.push([d.id, d.parent]);
  for (const role of policy.roles) {
    if (role.reachDown) lines.g3.push([`${role.name}@${role.department}`, REACH_DOWN]);
    for (const inherited of role.inherits) lines.g.push([role.name, inherited, role.department]);
  }
  for (const a of policy.assignments) lines.g.push([subjectKey(a.subject), a.role, a.department]);
  for (const rule of policy.rules) {
    const minacr = rule.effect === 'deny' ? '0' : String(ACR_NUMBERS[rule.minAcr]);
    for (const resource of rule.resources) {
      const [dom, obj] = splitResource(resource);
      for (const act of rule.actions) {
        for (const purpose of rule.purposes) {
          lines.p.push([
            rule.role,
            rule.department,
            dom,
            obj,
            act,
            purpose,
            minacr,
            '0',
            String(FOREVER),
            rule.effect,
            rule.except ?? '',
            ruleLineId(rule.id),
          ]);
        }
      }
    }
  }
  for (const d of policy.delegations) {
    if (d.status !== 'approved') continue;
    for (const resource of d.resources) {
      const [dom, obj] = splitResource(resource);
      for (const act of d.actions) {
        for (const purpose of d.purposes) {
          lines.p.push([
            d.toRole,
            d.toDepartment,
            dom,
            obj,
            act,
            purpose,
            String(ACR_NUMBERS[d.minAcr]),
            String(d.notBefore),
            String(d.expiresAt),
            'allow',
            '',
            delegationLineId(d.id),
          ]);
        }
      }
    }
  }
  return lines;
}
