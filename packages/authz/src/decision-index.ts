import { REACH_DOWN, type CasbinLines, type PolicyLine } from './casbin-lines.ts';
import { compileObjectPattern, type ObjectMatcher } from './object-pattern.ts';
import type { Decision } from './policy.ts';

/**
 * The built-in model's decisions without scanning the policy. Casbin
 * evaluates the matcher against every `p` line; this index goes straight to
 * the lines that can match — those of the resource's department (and of its
 * ancestors, for roles that reach down) held by a role in the subject's role
 * closure — grouped by action, and stops at the first deny.
 *
 * It reads the same `p`/`g`/`g2`/`g3` lines as Casbin and must answer exactly
 * as Casbin's `enforce` does for policies made by `toCasbinLines` (role names
 * are slugs, subjects are `user:` keys): the differential test holds it to that.
 * Role links follow Casbin's default role manager, 10 levels deep at most.
 */

/** A request as the model sees it: `sub` a `user:` key, `dom` and `obj` split from the resource. */
export interface IndexRequest {
  sub: string;
  dom: string;
  obj: string;
  act: string;
  purpose: string;
  acr: number;
  now: number;
}

export interface IndexedLine {
  readonly raw: PolicyLine;
  readonly sub: string;
  readonly subdom: string;
  readonly dom: string;
  readonly act: string;
  readonly purpose: string;
  readonly minacr: number;
  readonly nbf: number;
  readonly exp: number;
  readonly deny: boolean;
  readonly except: string;
  readonly matches: ObjectMatcher;
  /** The answer when this line decides, made once so a decision allocates nothing. */
  readonly decision: Decision;
}

/** Casbin's DefaultRoleManager follows at most this many links. */
export const MAX_HIERARCHY_LEVEL = 10;

/** A line reached for a request; `above` is the ancestor department it reaches down from. */
export interface Candidate {
  line: IndexedLine;
  above?: string;
}

export type FailedCondition = 'resource' | 'except' | 'purpose' | 'acr' | 'not_yet_valid' | 'expired';

const NO_MATCH: Decision = Object.freeze({ allowed: false, reason: 'no_matching_rule' });

class ActionLines {
  readonly byAct = new Map<string, IndexedLine[]>();
  readonly anyAct: IndexedLine[] = [];
  size = 0;

  add(line: IndexedLine): void {
    if (line.act === '*') this.anyAct.push(line);
    else getOrCreate(this.byAct, line.act, () => []).push(line);
    this.size++;
  }

  remove(line: IndexedLine): void {
    const list = line.act === '*' ? this.anyAct : this.byAct.get(line.act);
    const at = list?.indexOf(line) ?? -1;
    if (at < 0) return;
    list!.splice(at, 1);
    if (list!.length === 0 && line.act !== '*') this.byAct.delete(line.act);
    this.size--;
  }
}

/** The lines of one department (`p.dom`). */
class DepartmentLines {
  /** subdom → sub → lines, for role subjects. */
  readonly bySubdom = new Map<string, Map<string, ActionLines>>();
  /** `p.sub == "*"`, whatever the subdom. */
  readonly everyone = new ActionLines();
  /** Own lines (subdom == dom) whose `sub@dom` reaches down: they also cover departments below. */
  readonly reaching = new Map<string, ActionLines>();
}

export class DecisionIndex {
  readonly #lines = new Map<string, IndexedLine>();
  readonly #byDom = new Map<string, DepartmentLines>();
  /** g: department → name → names it inherits directly. */
  readonly #links = new Map<string, Map<string, Set<string>>>();
  /** g: subject → departments where it has links (its role closure is empty elsewhere). */
  readonly #subjectDepartments = new Map<string, Set<string>>();
  /** g2: department → parents. */
  readonly #parents = new Map<string, Set<string>>();
  /** g3: name → names it links to. */
  readonly #reachLinks = new Map<string, Set<string>>();
  #reaching = new Set<string>();
  /** subject → department → role closure (without the subject itself). */
  readonly #closures = new Map<string, Map<string, readonly string[]>>();
  readonly #ancestors = new Map<string, readonly string[]>();

  constructor(lines?: CasbinLines) {
    if (lines) this.load(lines);
  }

  load(lines: CasbinLines): void {
    this.#lines.clear();
    this.#byDom.clear();
    this.#links.clear();
    this.#subjectDepartments.clear();
    this.#parents.clear();
    this.#reachLinks.clear();
    this.#closures.clear();
    this.#ancestors.clear();
    for (const [a, b] of lines.g3) addEdge(this.#reachLinks, a, b);
    this.#reaching = reachersOf(this.#reachLinks, REACH_DOWN);
    for (const [a, b] of lines.g2) addEdge(this.#parents, a, b);
    for (const [a, b, dom] of lines.g) this.#addLink(a, b, dom);
    for (const line of lines.p) this.addPolicy(line);
  }

  get size(): number {
    return this.#lines.size;
  }

  // ---- incremental changes, as Casbin's addPolicy / removePolicy would make them

  addPolicy(raw: PolicyLine): void {
    const key = raw.join('\u0000');
    if (this.#lines.has(key)) return;
    const line = indexLine(raw);
    this.#lines.set(key, line);
    const dl = getOrCreate(this.#byDom, line.dom, () => new DepartmentLines());
    this.#place(dl, line, true);
  }

  removePolicy(raw: PolicyLine): void {
    const key = raw.join('\u0000');
    const line = this.#lines.get(key);
    if (!line) return;
    this.#lines.delete(key);
    const dl = this.#byDom.get(line.dom)!;
    this.#place(dl, line, false);
  }

  addLink(a: string, b: string, dom: string): void {
    this.#addLink(a, b, dom);
  }

  removeLink(a: string, b: string, dom: string): void {
    const byName = this.#links.get(dom);
    const targets = byName?.get(a);
    if (!byName || !targets?.delete(b)) return;
    if (targets.size === 0) byName.delete(a);
    if (byName.size === 0) this.#links.delete(dom);
    this.#linkChanged(a, dom);
  }

  addParent(child: string, parent: string): void {
    addEdge(this.#parents, child, parent);
    this.#ancestors.clear();
  }

  removeParent(child: string, parent: string): void {
    removeEdge(this.#parents, child, parent);
    this.#ancestors.clear();
  }

  addReach(name: string, target: string): void {
    addEdge(this.#reachLinks, name, target);
    this.#reachChanged();
  }

  removeReach(name: string, target: string): void {
    removeEdge(this.#reachLinks, name, target);
    this.#reachChanged();
  }

  // ---- decisions

  decide(req: IndexRequest): Decision {
    let allow: IndexedLine | undefined;
    const closures = this.#closuresOf(req.sub);
    const own = this.#byDom.get(req.dom);
    if (own) {
      for (const [subdom, roles] of closures) {
        const bySub = own.bySubdom.get(subdom);
        if (!bySub) continue;
        for (const role of roles) {
          const group = bySub.get(role);
          if (!group) continue;
          const hit = this.#scan(group, req, closures);
          if (hit?.deny) return hit.decision;
          allow ??= hit;
        }
      }
      if (own.everyone.size > 0) {
        const hit = this.#scan(own.everyone, req, closures);
        if (hit?.deny) return hit.decision;
        allow ??= hit;
      }
    }
    for (const above of this.#ancestorsOf(req.dom)) {
      const dl = this.#byDom.get(above);
      if (!dl || dl.reaching.size === 0) continue;
      const everyone = dl.reaching.get('*');
      if (everyone) {
        const hit = this.#scan(everyone, req, closures);
        if (hit?.deny) return hit.decision;
        allow ??= hit;
      }
      for (const role of closures.get(above) ?? EMPTY) {
        const group = dl.reaching.get(role);
        if (!group) continue;
        const hit = this.#scan(group, req, closures);
        if (hit?.deny) return hit.decision;
        allow ??= hit;
      }
    }
    return allow ? allow.decision : NO_MATCH;
  }

  /**
   * Every line `decide` would look at for this request (the subject's roles,
   * the resource's department and those above it, the action), before the
   * line's own conditions: the slower path behind explanations.
   */
  candidates(req: IndexRequest): Candidate[] {
    const found: Candidate[] = [];
    const closures = this.#closuresOf(req.sub);
    const collect = (group: ActionLines | undefined, above?: string) => {
      if (!group) return;
      for (const line of [...(group.byAct.get(req.act) ?? []), ...group.anyAct]) {
        found.push(above === undefined ? { line } : { line, above });
      }
    };
    const own = this.#byDom.get(req.dom);
    if (own) {
      for (const [subdom, roles] of closures) {
        for (const role of roles) collect(own.bySubdom.get(subdom)?.get(role));
      }
      collect(own.everyone);
    }
    for (const above of this.#ancestorsOf(req.dom)) {
      const dl = this.#byDom.get(above);
      if (!dl) continue;
      collect(dl.reaching.get('*'), above);
      for (const role of closures.get(above) ?? EMPTY) collect(dl.reaching.get(role), above);
    }
    return found;
  }

  /** The first of the line's conditions the request fails, or undefined when the line applies. */
  failedCondition(line: IndexedLine, req: IndexRequest): FailedCondition | undefined {
    if (!line.matches(req.obj)) return 'resource';
    if (line.except !== '' && this.rolesOf(req.sub, line.subdom).includes(line.except)) return 'except';
    if (line.purpose !== '*' && line.purpose !== req.purpose) return 'purpose';
    if (!(req.acr >= line.minacr)) return 'acr';
    if (!(req.now >= line.nbf)) return 'not_yet_valid';
    if (!(req.now < line.exp)) return 'expired';
    return undefined;
  }

  /** The subject's role closure in each department where it holds a role. */
  closuresOf(sub: string): ReadonlyMap<string, readonly string[]> {
    return this.#closuresOf(sub);
  }

  /** The roles `sub` holds in `dom`, inherited ones included, as Casbin's `g` would find them. */
  rolesOf(sub: string, dom: string): readonly string[] {
    return this.#closuresOf(sub).get(dom) ?? EMPTY;
  }

  /** Departments `dom` is below, nearest first, as `g2` links them. */
  ancestorsOf(dom: string): readonly string[] {
    return this.#ancestorsOf(dom);
  }

  /** All lines, for reverse queries. */
  lines(): IterableIterator<IndexedLine> {
    return this.#lines.values();
  }

  /** Names linked to `name` in `dom` by one `g` link (the reverse of inheritance). */
  linkedTo(dom: string): ReadonlyMap<string, ReadonlySet<string>> {
    return this.#links.get(dom) ?? new Map();
  }

  reaches(sub: string, dom: string): boolean {
    return this.#reaching.has(`${sub}@${dom}`);
  }

  // ---- internals

  #scan(
    group: ActionLines,
    req: IndexRequest,
    closures: Map<string, readonly string[]>,
  ): IndexedLine | undefined {
    let allow: IndexedLine | undefined;
    const exact = group.byAct.get(req.act);
    if (exact) {
      for (const line of exact) {
        if (!this.#lineMatches(line, req, closures)) continue;
        if (line.deny) return line;
        allow ??= line;
      }
    }
    for (const line of group.anyAct) {
      if (!this.#lineMatches(line, req, closures)) continue;
      if (line.deny) return line;
      allow ??= line;
    }
    return allow;
  }

  #lineMatches(line: IndexedLine, req: IndexRequest, closures: Map<string, readonly string[]>): boolean {
    return (
      (line.purpose === '*' || line.purpose === req.purpose) &&
      req.acr >= line.minacr &&
      req.now >= line.nbf &&
      req.now < line.exp &&
      line.matches(req.obj) &&
      (line.except === '' || !(closures.get(line.subdom) ?? EMPTY).includes(line.except))
    );
  }

  #place(dl: DepartmentLines, line: IndexedLine, add: boolean): void {
    const apply = (group: ActionLines) => (add ? group.add(line) : group.remove(line));
    if (line.sub === '*') apply(dl.everyone);
    else
      apply(
        getOrCreate(
          getOrCreate(dl.bySubdom, line.subdom, () => new Map<string, ActionLines>()),
          line.sub,
          () => new ActionLines(),
        ),
      );
    if (line.subdom === line.dom && this.#reaching.has(`${line.sub}@${line.dom}`)) {
      apply(getOrCreate(dl.reaching, line.sub, () => new ActionLines()));
    }
  }

  #addLink(a: string, b: string, dom: string): void {
    const byName = getOrCreate(this.#links, dom, () => new Map<string, Set<string>>());
    getOrCreate(byName, a, () => new Set<string>()).add(b);
    this.#linkChanged(a, dom);
  }

  #linkChanged(a: string, dom: string): void {
    if (a.startsWith('user:')) {
      // Only this subject's closure can change.
      this.#closures.delete(a);
      const depts = getOrCreate(this.#subjectDepartments, a, () => new Set());
      if (this.#links.get(dom)?.has(a)) depts.add(dom);
      else depts.delete(dom);
    } else {
      // A role's inheritance changed: any subject's closure may have.
      this.#closures.clear();
    }
  }

  #closuresOf(sub: string): Map<string, readonly string[]> {
    let closures = this.#closures.get(sub);
    if (closures) return closures;
    closures = new Map();
    for (const dom of this.#subjectDepartments.get(sub) ?? EMPTY) {
      const roles = reachableFrom(this.#links.get(dom)!, sub);
      if (roles.length > 0) closures.set(dom, roles);
    }
    this.#closures.set(sub, closures);
    return closures;
  }

  #ancestorsOf(dom: string): readonly string[] {
    let above = this.#ancestors.get(dom);
    if (!above) {
      above = reachableFrom(this.#parents, dom);
      this.#ancestors.set(dom, above);
    }
    return above;
  }

  #reachChanged(): void {
    this.#reaching = reachersOf(this.#reachLinks, REACH_DOWN);
    for (const dl of this.#byDom.values()) dl.reaching.clear();
    for (const line of this.#lines.values()) {
      if (line.subdom === line.dom && this.#reaching.has(`${line.sub}@${line.dom}`)) {
        getOrCreate(this.#byDom.get(line.dom)!.reaching, line.sub, () => new ActionLines()).add(line);
      }
    }
  }
}

const EMPTY: readonly string[] = Object.freeze([]);

function indexLine(raw: PolicyLine): IndexedLine {
  const [sub, subdom, dom, obj, act, purpose, minacr, nbf, exp, eft, except, id] = raw;
  const deny = eft === 'deny';
  const decision: Decision = Object.freeze(
    deny
      ? { allowed: false, reason: 'denied_by_rule' as const, ...source(id) }
      : { allowed: true, reason: 'allowed' as const, ...source(id) },
  );
  return {
    raw,
    sub,
    subdom,
    dom,
    act,
    purpose,
    // Casbin compares the request's numbers with these strings as JavaScript does: numerically.
    minacr: Number(minacr),
    nbf: Number(nbf),
    exp: Number(exp),
    deny,
    except,
    matches: compileObjectPattern(obj),
    decision,
  };
}

function source(id: string): { ruleId: string } | { delegationId: string } | Record<string, never> {
  if (id.startsWith('rule:')) return { ruleId: id.slice(5) };
  if (id.startsWith('delegation:')) return { delegationId: id.slice(11) };
  return {};
}

/** Names reachable from `start` in at most MAX_HIERARCHY_LEVEL links, nearest first, `start` excluded. */
function reachableFrom(edges: ReadonlyMap<string, ReadonlySet<string>>, start: string): string[] {
  const seen = new Set([start]);
  const found: string[] = [];
  let frontier = [start];
  for (let depth = 0; depth < MAX_HIERARCHY_LEVEL && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const name of frontier) {
      for (const target of edges.get(name) ?? EMPTY) {
        if (seen.has(target)) continue;
        seen.add(target);
        found.push(target);
        next.push(target);
      }
    }
    frontier = next;
  }
  return found;
}

/** Names from which `target` is reachable in at most MAX_HIERARCHY_LEVEL links. */
function reachersOf(edges: ReadonlyMap<string, ReadonlySet<string>>, target: string): Set<string> {
  const reverse = new Map<string, Set<string>>();
  for (const [from, tos] of edges) for (const to of tos) getOrCreate(reverse, to, () => new Set()).add(from);
  return new Set(reachableFrom(reverse, target));
}

function addEdge(edges: Map<string, Set<string>>, from: string, to: string): void {
  getOrCreate(edges, from, () => new Set()).add(to);
}

function removeEdge(edges: Map<string, Set<string>>, from: string, to: string): void {
  const targets = edges.get(from);
  if (!targets) return;
  targets.delete(to);
  if (targets.size === 0) edges.delete(from);
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
