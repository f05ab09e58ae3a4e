import { AuthzError } from './errors.ts';
import type { AcrLevel, CheckRequest, Delegation, Department, Role, Rule } from './policy.ts';

/**
 * Names and paths are narrow on purpose: Casbin's `keyMatch2` turns a pattern
 * into a regular expression, so nothing a regular expression would read as
 * an operator may reach it; and no name may collide with Casbin's own marks
 * (`*`, the `user:` prefix, `@` in reach-down links).
 */
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const SUBJECT = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/;
const RESOURCE_SEGMENT = /^[A-Za-z0-9._~-]{1,128}$/;
const PATTERN_SEGMENT = /^(?:[A-Za-z0-9_~-]{1,128}|\*)$/;
const MAX_RESOURCE_LENGTH = 512;
const MAX_SEGMENTS = 16;
export const ACR_LEVELS: readonly AcrLevel[] = ['low', 'substantial', 'high'];
const ACR_URN = 'urn:onegate:acr:';

function invalid(message: string): never {
  throw new AuthzError('ERR_AUTHZ_INVALID', message);
}

export function slug(value: unknown, what: string): string {
  if (typeof value !== 'string' || !SLUG.test(value)) {
    invalid(`${what} must be a lowercase slug (a-z, 0-9, "-"; at most 64 characters)`);
  }
  return value;
}

export function subject(value: unknown): string {
  if (typeof value !== 'string' || !SUBJECT.test(value)) {
    invalid('subject must be an account id (letters, digits and . _ @ : -; at most 128 characters)');
  }
  return value;
}

function text(value: unknown, what: string, max: number, required = true): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    invalid(`${what} must be text of 1 to ${max} characters`);
  }
  return value;
}

/** A concrete resource of a request: `department/segment/…`. */
export function resource(value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_RESOURCE_LENGTH) {
    invalid(`resource must be a path of at most ${MAX_RESOURCE_LENGTH} characters`);
  }
  const segments = value.split('/');
  if (segments.length < 2 || segments.length > MAX_SEGMENTS || !SLUG.test(segments[0]!)) {
    invalid('resource must be "department/segment/…" with 2 to 16 segments');
  }
  if (!segments.slice(1).every((s) => RESOURCE_SEGMENT.test(s))) {
    invalid('resource segments may hold only letters, digits and . _ ~ -');
  }
  // An app that normalizes paths would ask about one record and act on another's.
  if (segments.some((s) => s === '.' || s === '..')) invalid('resource segments may not be "." or ".."');
  return value;
}

/** A resource pattern of a rule or delegation; `*` stands for a whole segment and matches any rest. */
export function resourcePattern(value: unknown, department: string): string {
  if (typeof value !== 'string' || value.length > MAX_RESOURCE_LENGTH) {
    invalid(`resource pattern must be a path of at most ${MAX_RESOURCE_LENGTH} characters`);
  }
  const segments = value.split('/');
  if (segments.length < 2 || segments.length > MAX_SEGMENTS) {
    invalid('resource pattern must be "department/segment/…" with 2 to 16 segments');
  }
  if (segments[0] !== department) invalid(`resource pattern "${value}" must start with "${department}/"`);
  if (!segments.slice(1).every((s) => PATTERN_SEGMENT.test(s))) {
    invalid('resource pattern segments are letters, digits, _ ~ - or a lone "*"');
  }
  return value;
}

export function acr(value: unknown): AcrLevel | undefined {
  if (value === undefined || value === null) return undefined;
  const level = typeof value === 'string' && value.startsWith(ACR_URN) ? value.slice(ACR_URN.length) : value;
  if (!ACR_LEVELS.includes(level as AcrLevel)) {
    invalid(`acr must be one of ${ACR_LEVELS.join(', ')} (or its urn:onegate:acr: form)`);
  }
  return level as AcrLevel;
}

function list(value: unknown, what: string, each: (v: unknown) => string, max = 64): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > max) {
    invalid(`${what} must be a list of 1 to ${max} entries`);
  }
  const items = value.map(each);
  if (new Set(items).size !== items.length) invalid(`${what} lists an entry twice`);
  return items;
}

/** Actions or purposes: slugs, or `*` alone when `wildcard` allows it. */
function names(value: unknown, what: string, wildcard: boolean): string[] {
  const items = list(value, what, (v) => (wildcard && v === '*' ? '*' : slug(v, `each of ${what}`)));
  if (items.includes('*') && items.length > 1) invalid(`${what}: "*" stands alone`);
  return items;
}

/** Epoch milliseconds, or a time as `isoTime` takes it (with its offset). */
function epochMs(value: unknown, what: string): number {
  if (typeof value === 'string') return isoTime(value, what);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    invalid(
      `${what} must be epoch milliseconds or an ISO 8601 date and time with offset, e.g. 2026-01-01T00:00:00+08:00`,
    );
  }
  return value;
}

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO 8601 date and time with its offset, e.g. `2026-01-01T00:00:00+08:00`,
 * as epoch milliseconds. A date alone or a time without offset is refused:
 * whose midnight it means would depend on the machine reading it.
 */
export function isoTime(value: unknown, what: string): number {
  const match = typeof value === 'string' ? ISO_8601.exec(value) : null;
  const ms = match ? Date.parse(value as string) : NaN;
  const [year, month, day] = match ? match.slice(1).map(Number) : [0, 0, 0];
  // Date.parse rolls 2026-02-30 over into March rather than refusing it.
  const daysInMonth = new Date(Date.UTC(year!, month, 0)).getUTCDate();
  if (Number.isNaN(ms) || ms < 0 || day! > daysInMonth) {
    invalid(`${what} must be an ISO 8601 date and time with offset, e.g. 2026-01-01T00:00:00+08:00`);
  }
  return ms;
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(`${what} must be an object`);
  return value as Record<string, unknown>;
}

export function checkRequest(value: unknown): CheckRequest {
  const body = object(value, 'a check');
  const purpose = body['purpose'];
  return {
    subject: subject(body['subject']),
    action: slug(body['action'], 'action'),
    resource: resource(body['resource']),
    purpose: purpose === undefined || purpose === null ? undefined : slug(purpose, 'purpose'),
    acr: acr(body['acr']),
  };
}

export function department(value: unknown): Department {
  const body = object(value, 'a department');
  const parent = body['parent'];
  return {
    id: slug(body['id'], 'department id'),
    name: text(body['name'], 'department name', 200)!,
    parent: parent === undefined || parent === null ? undefined : slug(parent, 'parent department'),
  };
}

export function role(value: unknown): Role {
  const body = object(value, 'a role');
  const reachDown = body['reachDown'] ?? false;
  if (typeof reachDown !== 'boolean') invalid('reachDown must be true or false');
  const inherits = body['inherits'] ?? [];
  return {
    department: slug(body['department'], 'department'),
    name: slug(body['name'], 'role name'),
    title: text(body['title'], 'role title', 200, false),
    reachDown,
    inherits:
      Array.isArray(inherits) && inherits.length === 0
        ? []
        : list(inherits, 'inherits', (v) => slug(v, 'role')),
  };
}

export function rule(value: unknown): Rule {
  const body = object(value, 'a rule');
  const dept = slug(body['department'], 'department');
  const effect = body['effect'] ?? 'allow';
  if (effect !== 'allow' && effect !== 'deny') invalid('effect must be "allow" or "deny"');
  const role = body['role'] === '*' ? '*' : slug(body['role'], 'role');
  const except =
    body['except'] === undefined || body['except'] === null ? undefined : slug(body['except'], 'except');
  if (role === '*' && effect !== 'deny') invalid('role "*" (everyone) is for deny rules only');
  if (except !== undefined && role !== '*') invalid('except goes with role "*" only');
  return {
    id: slug(body['id'], 'rule id'),
    department: dept,
    role,
    except,
    resources: list(body['resources'], 'resources', (v) => resourcePattern(v, dept)),
    actions: names(body['actions'], 'actions', true),
    purposes: names(body['purposes'] ?? ['*'], 'purposes', true),
    minAcr: acr(body['minAcr'] ?? 'low')!,
    effect,
    description: text(body['description'], 'description', 500, false),
  };
}

/** A new delegation as an administrator submits it: no status or approver of its own choosing. */
export function delegationRequest(value: unknown): Omit<Delegation, 'status' | 'approvedBy' | 'createdBy'> {
  const body = object(value, 'a delegation');
  const from = slug(body['fromDepartment'], 'fromDepartment');
  const to = slug(body['toDepartment'], 'toDepartment');
  if (from === to) invalid('a delegation goes from one department to another');
  const notBefore = epochMs(body['notBefore'], 'notBefore');
  const expiresAt = epochMs(body['expiresAt'], 'expiresAt');
  if (expiresAt <= notBefore) invalid('expiresAt must be after notBefore');
  return {
    id: slug(body['id'], 'delegation id'),
    fromDepartment: from,
    toDepartment: to,
    toRole: slug(body['toRole'], 'toRole'),
    resources: list(body['resources'], 'resources', (v) => resourcePattern(v, from)),
    actions: names(body['actions'], 'actions', false),
    purposes: names(body['purposes'], 'purposes', false),
    notBefore,
    expiresAt,
    minAcr: acr(body['minAcr'] ?? 'low')!,
    reason: text(body['reason'], 'reason', 1000)!,
  };
}
