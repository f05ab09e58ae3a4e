/**
 * The policy as people write it: departments in a hierarchy, roles held in a
 * department, rules granting or denying a role actions on a department's
 * resources, and delegations (data-sharing agreements) between departments.
 * `casbin-lines.ts` turns it into the lines of the Casbin model in
 * `policies/model.conf`, which both Casbin and the decision index read.
 */

/** Sign-in assurance, as in the `acr` claim (`urn:onegate:acr:<level>`). */
export type AcrLevel = 'low' | 'substantial' | 'high';

export interface Department {
  /** Slug, e.g. `civil-affairs-hangzhou`; the first segment of its resources' paths. */
  id: string;
  name: string;
  /** The department one level up (province → city → district), if any. */
  parent?: string | undefined;
}

export interface Role {
  department: string;
  /** Slug, unique within the department, e.g. `clerk`. */
  name: string;
  title?: string | undefined;
  /** Holders also act, by this role's rules, in every department below this one (never up or sideways). */
  reachDown: boolean;
  /** Roles of the same department whose rules this role also gets. */
  inherits: string[];
}

export interface Assignment {
  /** The account id (the `sub` a first-party app receives). */
  subject: string;
  department: string;
  role: string;
}

export type Effect = 'allow' | 'deny';

export interface Rule {
  id: string;
  department: string;
  /** A role of `department`, or `*` for everyone (a deny that only `except` escapes). */
  role: string;
  /** With `role: '*'`: holders of this role of `department` are not covered by the rule. */
  except?: string | undefined;
  /** `department/segment/…`; a `*` segment matches any rest of the path, e.g. `civil-affairs/marriage-records/*`. */
  resources: string[];
  /** Action names, or `['*']`. */
  actions: string[];
  /** Purposes of use the rule applies to, or `['*']` for any (and for none given). */
  purposes: string[];
  /** The least sign-in assurance the rule needs (allow rules only). */
  minAcr: AcrLevel;
  effect: Effect;
  description?: string | undefined;
}

export type DelegationStatus = 'pending' | 'approved' | 'revoked';

/** A data-sharing agreement: `fromDepartment` lets `toRole` of `toDepartment` act on some of its data. */
export interface Delegation {
  id: string;
  fromDepartment: string;
  toDepartment: string;
  toRole: string;
  /** Resource patterns of `fromDepartment`. */
  resources: string[];
  actions: string[];
  /** Only these purposes of use; never `*`. */
  purposes: string[];
  /** Epoch milliseconds; valid from `notBefore` up to, not including, `expiresAt`. */
  notBefore: number;
  expiresAt: number;
  minAcr: AcrLevel;
  reason: string;
  createdBy: string;
  approvedBy?: string | undefined;
  status: DelegationStatus;
}

/** Everything a decision depends on. */
export interface PolicySet {
  departments: Department[];
  roles: Role[];
  assignments: Assignment[];
  rules: Rule[];
  delegations: Delegation[];
}

export function emptyPolicySet(): PolicySet {
  return { departments: [], roles: [], assignments: [], rules: [], delegations: [] };
}

/** One question: may `subject` do `action` to `resource` for `purpose`, signed in at `acr`? */
export interface CheckRequest {
  subject: string;
  action: string;
  /** `department/segment/…`, e.g. `civil-affairs/marriage-records/330106-2019-0042`. */
  resource: string;
  purpose?: string | undefined;
  /** The subject's sign-in assurance; absent means not signed in interactively (level 0). */
  acr?: AcrLevel | undefined;
}

export type DecisionReason = 'allowed' | 'denied_by_rule' | 'no_matching_rule';

export interface Decision {
  allowed: boolean;
  reason: DecisionReason;
  /** The allow rule or delegation that granted it, or the deny rule that refused it. */
  ruleId?: string | undefined;
  delegationId?: string | undefined;
}
