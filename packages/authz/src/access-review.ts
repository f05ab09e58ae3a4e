import { MAX_HIERARCHY_LEVEL, type DecisionIndex, type IndexedLine } from './decision-index.ts';
import { describeLine, type ExplainedLine } from './explain.ts';
import { acrNumber, splitResource, subjectKey } from './casbin-lines.ts';
import type { PolicyEngine } from './policy-engine.ts';
import * as validate from './validate.ts';

/**
 * The security officer's questions, answered from the same index that
 * decides: who can do this to that resource (and how), and what can this
 * person do. Each way in is confirmed by a real decision, so a grant that a
 * deny overrides is listed as blocked, not as access.
 */

export interface AccessPath extends ExplainedLine {
  subject: string;
}

export interface WhoCanResult {
  action: string;
  resource: string;
  purpose?: string;
  at: string;
  /** Every subject with a way in, one entry per way. */
  access: AccessPath[];
  /** Ways in that a deny rule closes for that subject. */
  blocked: Array<AccessPath & { deniedBy: string }>;
}

export function whoCan(
  engine: PolicyEngine,
  query: { action: unknown; resource: unknown; purpose?: unknown },
): WhoCanResult {
  const action = validate.slug(query.action, 'action');
  const resource = validate.resource(query.resource);
  const purpose =
    query.purpose === undefined || query.purpose === '' ? undefined : validate.slug(query.purpose, 'purpose');
  const index = engine.index;
  const now = engine.now();
  const [dom, obj] = splitResource(resource);
  engine.toIndexRequest({ subject: 'x', action, resource }); // refuses an unknown department
  const above = new Set(index.ancestorsOf(dom));
  const result: WhoCanResult = { action, resource, at: new Date(now).toISOString(), access: [], blocked: [] };
  if (purpose !== undefined) result.purpose = purpose;
  const holdersCache = new Map<string, Holders>();
  for (const line of index.lines()) {
    if (line.deny || (line.act !== '*' && line.act !== action)) continue;
    if (purpose !== undefined && line.purpose !== '*' && line.purpose !== purpose) continue;
    // The resource's own department's lines (its rules and delegations into it), or a rule above that reaches down.
    const reaching =
      line.dom !== dom &&
      above.has(line.dom) &&
      line.subdom === line.dom &&
      index.reaches(line.sub, line.dom);
    if (line.dom !== dom && !reaching) continue;
    if (!line.matches(obj) || now < line.nbf || now >= line.exp) continue;
    for (const sub of holders(index, holdersCache, line.subdom, line.sub)) {
      const decision = engine.decide({
        sub,
        dom,
        obj,
        act: action,
        purpose: purpose ?? (line.purpose === '*' ? '' : line.purpose),
        acr: acrNumber('high'),
        now,
      });
      const path: AccessPath = {
        subject: sub.slice('user:'.length),
        ...describeLine(index, sub, line, reaching ? line.dom : undefined),
      };
      if (decision.allowed) result.access.push(path);
      else result.blocked.push({ ...path, deniedBy: decision.ruleId ?? 'no rule' });
    }
  }
  return result;
}

export interface WhatCanResult {
  subject: string;
  department?: string;
  at: string;
  /** Every rule line that covers the subject, allows and denies, with the role path. */
  grants: Array<ExplainedLine & { reachesDown: boolean }>;
}

export function whatCan(
  engine: PolicyEngine,
  query: { subject: unknown; department?: unknown },
): WhatCanResult {
  const subject = validate.subject(query.subject);
  const department =
    query.department === undefined || query.department === ''
      ? undefined
      : validate.slug(query.department, 'department');
  if (department !== undefined && !engine.department(department)) {
    engine.toIndexRequest({ subject, action: 'x', resource: `${department}/x` });
  }
  const index = engine.index;
  const now = engine.now();
  const sub = subjectKey(subject);
  const closures = index.closuresOf(sub);
  const result: WhatCanResult = { subject, at: new Date(now).toISOString(), grants: [] };
  if (department !== undefined) result.department = department;
  const inScope = (line: IndexedLine, reachesDown: boolean) =>
    department === undefined ||
    line.dom === department ||
    (reachesDown && index.ancestorsOf(department).includes(line.dom));
  for (const line of index.lines()) {
    if (now < line.nbf || now >= line.exp) continue;
    const held = line.sub === '*' || (closures.get(line.subdom) ?? []).includes(line.sub);
    if (!held) continue;
    if (line.except !== '' && (closures.get(line.subdom) ?? []).includes(line.except)) continue;
    const reachesDown = line.subdom === line.dom && index.reaches(line.sub, line.dom);
    if (!inScope(line, reachesDown)) continue;
    result.grants.push({ ...describeLine(index, sub, line), reachesDown });
  }
  // A deny for everyone matters to this person only where they hold something to be denied.
  const granted = new Set(result.grants.filter((g) => g.effect === 'allow').map((g) => g.department));
  result.grants = result.grants.filter((g) => g.via !== 'everyone' || granted.has(g.department));
  result.grants.sort((a, b) => a.resource.localeCompare(b.resource) || a.action.localeCompare(b.action));
  return result;
}

/** Per department: who links to each name, and the subjects found holding each role so far. */
interface Holders {
  reverse: Map<string, string[]>;
  byRole: Map<string, string[]>;
}

/** Subjects (`user:` keys) that hold `role` in `department`, directly or through inheriting roles. */
function holders(
  index: DecisionIndex,
  cache: Map<string, Holders>,
  department: string,
  role: string,
): string[] {
  let entry = cache.get(department);
  if (!entry) {
    const reverse = new Map<string, string[]>();
    for (const [from, targets] of index.linkedTo(department)) {
      for (const to of targets) {
        const list = reverse.get(to);
        if (list) list.push(from);
        else reverse.set(to, [from]);
      }
    }
    entry = { reverse, byRole: new Map() };
    cache.set(department, entry);
  }
  const known = entry.byRole.get(role);
  if (known) return known;
  const seen = new Set([role]);
  const found: string[] = [];
  let frontier = [role];
  for (let depth = 0; depth < MAX_HIERARCHY_LEVEL && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const name of frontier) {
      for (const from of entry.reverse.get(name) ?? []) {
        if (seen.has(from)) continue;
        seen.add(from);
        next.push(from);
        if (from.startsWith('user:')) found.push(from);
      }
    }
    frontier = next;
  }
  entry.byRole.set(role, found);
  return found;
}
