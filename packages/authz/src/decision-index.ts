import { FOREVER, REACH_DOWN, type CasbinLines, type PolicyLine } from './casbin-lines.ts';
import { compileObjectPattern, objectPattern, partsMatch, type ObjectMatcher } from './object-pattern.ts';
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
  // The fields a decision reads come first, so they share the object's first cache line.
  readonly purpose: string;
  readonly minacr: number;
  /** False for lines valid from 0 to FOREVER (every rule): their window is checked once per request. */
  readonly timed: boolean;
  /** `matches` as fields (see ObjectPattern), read inline by the decision loop. */
  readonly objKind: 0 | 1 | 2 | 3;
  readonly objText: string;
  readonly deny: boolean;
  readonly except: string;
  /** The answer when this line decides, made once so a decision allocates nothing. */
  readonly decision: Decision;
  readonly objParts: readonly string[];
  readonly objRegex: RegExp | undefined;
  readonly nbf: number;
  readonly exp: number;
  readonly raw: PolicyLine;
  readonly sub: string;
  readonly subdom: string;
  readonly dom: string;
  readonly act: string;
  readonly actId: number;
  readonly matches: ObjectMatcher;
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

/**
 * Lines of one group by action; actions are small numbers (ACTION_IDS) so
 * finding them is an array read. `merged` holds, per action, that action's
 * lines and then the any-action ones: the one list a decision scans.
 */
class ActionLines {
  readonly byAct: Array<IndexedLine[] | undefined> = [];
  readonly anyAct: IndexedLine[] = [];
  readonly merged: Array<IndexedLine[] | undefined> = [];
  size = 0;

  add(line: IndexedLine): void {
    if (line.act === '*') this.anyAct.push(line);
    else (this.byAct[line.actId] ??= []).push(line);
    this.size++;
    this.#merge(line);
  }

  remove(line: IndexedLine): void {
    const list = line.act === '*' ? this.anyAct : this.byAct[line.actId];
    const at = list?.indexOf(line) ?? -1;
    if (at < 0) return;
    list!.splice(at, 1);
    if (list!.length === 0 && line.act !== '*') this.byAct[line.actId] = undefined;
    this.size--;
    this.#merge(line);
  }

  lines(act: string): IndexedLine[] {
    const id = ACTION_IDS.get(act);
    return (id === undefined ? undefined : this.merged[id]) ?? this.anyAct;
  }

  #merge(changed: IndexedLine): void {
    const merge = (id: number) => {
      const own = this.byAct[id];
      this.merged[id] = own === undefined ? undefined : [...own, ...this.anyAct];
    };
    if (changed.act !== '*') merge(changed.actId);
    else for (let id = 0; id < this.byAct.length; id++) merge(id);
  }
}

/**
 * Every action and department name ever seen in a line gets a number, for
 * the life of the process (a few dozen of each), so finding a role's lines
 * for them is an array read.
 */
const ACTION_IDS = new Map<string, number>();
const DOMAIN_IDS = new Map<string, number>();

function numberOf(ids: Map<string, number>, name: string): number {
  let id = ids.get(name);
  if (id === undefined) {
    id = ids.size;
    ids.set(name, id);
  }
  return id;
}

/** A role held in a department (`p.sub` in `p.subdom`), and its lines by the department they cover. */
class RoleNode {
  /** By department number. */
  readonly byDom: Array<ActionLines | undefined> = [];
  /** `sub@subdom` reaches down: its own department's lines also cover the departments below. */
  reaching = false;

  readonly subdom: string;
  readonly subdomId: number;
  readonly sub: string;

  constructor(subdom: string, sub: string) {
    this.subdom = subdom;
    this.subdomId = numberOf(DOMAIN_IDS, subdom);
    this.sub = sub;
  }

  group(dom: string): ActionLines | undefined {
    const id = DOMAIN_IDS.get(dom);
    return id === undefined ? undefined : this.byDom[id];
  }
}

/**
 * What a subject holds, resolved once: the role nodes of its role closure,
 * department by department, nearest role first. Kept small: at government
 * scale there is one per subject, and a decision's first read is this one.
 */
class SubjectView {
  // The nodes as fields, the fourth on in `rest`: most subjects hold one to
  // three roles, a field is one memory read closer than an array's element,
  // and without an array per subject the views take half the memory.
  readonly count: number;
  readonly n0: RoleNode | undefined;
  readonly n1: RoleNode | undefined;
  readonly n2: RoleNode | undefined;
  readonly rest: readonly RoleNode[];
  readonly reachingNodes: readonly RoleNode[];

  constructor(nodes: readonly RoleNode[], reachingNodes: readonly RoleNode[]) {
    this.count = nodes.length;
    this.n0 = nodes[0];
    this.n1 = nodes[1];
    this.n2 = nodes[2];
    this.rest = nodes.length > 3 ? nodes.slice(3) : NO_NODES;
    this.reachingNodes = reachingNodes;
  }

  /** All nodes, nearest role first in each department (for the slower paths). */
  get nodes(): RoleNode[] {
    return [this.n0, this.n1, this.n2].slice(0, this.count).concat(this.rest) as RoleNode[];
  }
}

/** Whether the view holds `role` in `dom`, inherited or not (Casbin's `g(sub, role, dom)`). */
function holds(view: SubjectView, role: string, dom: string): boolean {
  const held = (node: RoleNode | undefined) => node !== undefined && node.sub === role && node.subdom === dom;
  return held(view.n0) || held(view.n1) || held(view.n2) || view.rest.some(held);
}

/** Subjects whose role closure is kept resolved (a few hundred bytes each). */
const MAX_VIEWS = 1_000_000;

export class DecisionIndex {
  readonly #lines = new Map<string, IndexedLine>();
  /** subdom → sub → node, for role subjects. */
  readonly #nodes = new Map<string, Map<string, RoleNode>>();
  /** `p.sub == "*"` lines by the department they cover, whatever the subdom. */
  /** By department number. */
  readonly #everyone: Array<ActionLines | undefined> = [];
  /** Own `*` lines of departments where `*@dom` reaches down (Casbin allows it; our policies never make it). */
  readonly #everyoneReaching = new Map<string, ActionLines>();
  /** g: department → name → names it inherits directly. */
  readonly #links = new Map<string, Map<string, Set<string>>>();
  /** g: subject → departments where it has links (its role closure is empty elsewhere). */
  readonly #subjectDepartments = new Map<string, Set<string>>();
  /** g2: department → parents. */
  readonly #parents = new Map<string, Set<string>>();
  /** g3: name → names it links to. */
  readonly #reachLinks = new Map<string, Set<string>>();
  #reaching = new Set<string>();
  readonly #views = new Map<string, SubjectView>();
  readonly #ancestors = new Map<string, { list: readonly string[]; set: ReadonlySet<string> }>();

  constructor(lines?: CasbinLines) {
    if (lines) this.load(lines);
  }

  load(lines: CasbinLines): void {
    this.#lines.clear();
    this.#nodes.clear();
    this.#everyone.length = 0;
    this.#everyoneReaching.clear();
    this.#links.clear();
    this.#subjectDepartments.clear();
    this.#parents.clear();
    this.#reachLinks.clear();
    this.#views.clear();
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
    this.#place(line, true);
  }

  removePolicy(raw: PolicyLine): void {
    const key = raw.join('\u0000');
    const line = this.#lines.get(key);
    if (!line) return;
    this.#lines.delete(key);
    this.#place(line, false);
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

  /**
   * A decision reads the subject's resolved role closure (one map read),
   * then, for each role, its lines in the resource's department by action
   * (array reads), the department's lines for everyone, and the lines of
   * roles reaching down from above; it stops at the first deny. Nothing is
   * cached per subject and department: at government scale such a cache
   * holds hundreds of thousands of entries and every decision would miss
   * the processor's caches walking it. Requests come validated: no line
   * breaks in `obj`, which `keyMatch2`'s `.*` would not cross.
   */
  decide(req: IndexRequest): Decision {
    const view = this.#view(req.sub);
    const groups = this.#groupsFor(req, view);
    const count = this.#groupCount;
    const actId = ACTION_IDS.get(req.act) ?? -1;
    const untimed = req.now >= 0 && req.now < FOREVER;
    let allow: IndexedLine | undefined;
    for (let g = 0; g < count; g++) {
      const group = groups[g]!;
      const lines = (actId < 0 ? undefined : group.merged[actId]) ?? group.anyAct;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        if (!applies(line, req, view, untimed)) continue;
        if (line.deny) return line.decision;
        allow ??= line;
      }
    }
    return allow === undefined ? NO_MATCH : allow.decision;
  }

  /** Scratch for `decide`: the line groups of one request, reused so a decision allocates nothing. */
  readonly #groups: ActionLines[] = [];
  #groupCount = 0;

  #groupsFor(req: IndexRequest, view: SubjectView): ActionLines[] {
    const groups = this.#groups;
    let count = 0;
    const domId = DOMAIN_IDS.get(req.dom);
    if (domId !== undefined) {
      const held = view.count;
      if (held > 0) {
        let group = view.n0!.byDom[domId];
        if (group !== undefined) groups[count++] = group;
        if (held > 1) {
          group = view.n1!.byDom[domId];
          if (group !== undefined) groups[count++] = group;
          if (held > 2) {
            group = view.n2!.byDom[domId];
            if (group !== undefined) groups[count++] = group;
            for (let n = 3; n < held; n++) {
              group = view.rest[n - 3]!.byDom[domId];
              if (group !== undefined) groups[count++] = group;
            }
          }
        }
      }
      const everyone = this.#everyone[domId];
      if (everyone !== undefined) groups[count++] = everyone;
    }
    if (view.reachingNodes.length > 0 || this.#everyoneReaching.size > 0) {
      const above = this.#ancestorsOf(req.dom);
      for (const node of view.reachingNodes) {
        const own = node.byDom[node.subdomId];
        if (own !== undefined && above.set.has(node.subdom)) groups[count++] = own;
      }
      for (const up of above.list) {
        const reaching = this.#everyoneReaching.get(up);
        if (reaching !== undefined) groups[count++] = reaching;
      }
    }
    this.#groupCount = count;
    return groups;
  }

  /**
   * Every line `decide` would look at for this request (the subject's roles,
   * the resource's department and those above it, the action), before the
   * line's own conditions: the slower path behind explanations.
   */
  candidates(req: IndexRequest): Candidate[] {
    const found: Candidate[] = [];
    const view = this.#view(req.sub);
    const collect = (group: ActionLines | undefined, above?: string) => {
      if (!group) return;
      for (const line of group.lines(req.act)) {
        found.push(above === undefined ? { line } : { line, above });
      }
    };
    for (const node of view.nodes) collect(node.group(req.dom));
    collect(this.#everyoneIn(req.dom));
    for (const above of this.#ancestorsOf(req.dom).list) {
      for (const node of view.reachingNodes) if (node.subdom === above) collect(node.group(above), above);
      collect(this.#everyoneReaching.get(above), above);
    }
    return found;
  }

  /** The first of the line's conditions the request fails, or undefined when the line applies. */
  failedCondition(line: IndexedLine, req: IndexRequest): FailedCondition | undefined {
    if (!line.matches(req.obj)) return 'resource';
    if (line.except !== '' && holds(this.#view(req.sub), line.except, line.subdom)) return 'except';
    if (line.purpose !== '*' && line.purpose !== req.purpose) return 'purpose';
    if (!(req.acr >= line.minacr)) return 'acr';
    if (!(req.now >= line.nbf)) return 'not_yet_valid';
    if (!(req.now < line.exp)) return 'expired';
    return undefined;
  }

  /** The subject's role closure in each department where it holds a role. */
  closuresOf(sub: string): ReadonlyMap<string, readonly string[]> {
    const roles = new Map<string, string[]>();
    for (const node of this.#view(sub).nodes) {
      const list = roles.get(node.subdom);
      if (list) list.push(node.sub);
      else roles.set(node.subdom, [node.sub]);
    }
    return roles;
  }

  /** The roles `sub` holds in `dom`, inherited ones included, as Casbin's `g` would find them. */
  rolesOf(sub: string, dom: string): readonly string[] {
    return this.closuresOf(sub).get(dom) ?? EMPTY;
  }

  /** Departments `dom` is below, nearest first, as `g2` links them. */
  ancestorsOf(dom: string): readonly string[] {
    return this.#ancestorsOf(dom).list;
  }

  /** All lines, for reverse queries. */
  lines(): IterableIterator<IndexedLine> {
    return this.#lines.values();
  }

  /** The `g` links of `dom`: each name and the names it inherits directly. */
  linkedTo(dom: string): ReadonlyMap<string, ReadonlySet<string>> {
    return this.#links.get(dom) ?? new Map<string, ReadonlySet<string>>();
  }

  reaches(sub: string, dom: string): boolean {
    return this.#reaching.has(`${sub}@${dom}`);
  }

  // ---- internals

  #node(subdom: string, sub: string): RoleNode {
    const bySub = getOrCreate(this.#nodes, subdom, () => new Map<string, RoleNode>());
    let node = bySub.get(sub);
    if (!node) {
      node = new RoleNode(subdom, sub);
      node.reaching = this.#reaching.has(`${sub}@${subdom}`);
      bySub.set(sub, node);
    }
    return node;
  }

  #place(line: IndexedLine, add: boolean): void {
    let group: ActionLines;
    const domId = numberOf(DOMAIN_IDS, line.dom);
    if (line.sub === '*') {
      group = this.#everyone[domId] ??= new ActionLines();
      if (line.subdom === line.dom && this.#reaching.has(`*@${line.dom}`)) {
        const reaching = getOrCreate(this.#everyoneReaching, line.dom, () => new ActionLines());
        if (add) reaching.add(line);
        else reaching.remove(line);
      }
    } else {
      group = this.#node(line.subdom, line.sub).byDom[domId] ??= new ActionLines();
    }
    if (add) group.add(line);
    else group.remove(line);
  }

  #addLink(a: string, b: string, dom: string): void {
    const byName = getOrCreate(this.#links, dom, () => new Map<string, Set<string>>());
    getOrCreate(byName, a, () => new Set<string>()).add(b);
    this.#linkChanged(a, dom);
  }

  #linkChanged(a: string, dom: string): void {
    if (a.startsWith('user:')) {
      // Only this subject's closure can change.
      this.#views.delete(a);
      const depts = getOrCreate(this.#subjectDepartments, a, () => new Set<string>());
      if (this.#links.get(dom)?.has(a)) depts.add(dom);
      else depts.delete(dom);
    } else {
      // A role's inheritance changed: any subject's closure may have.
      this.#views.clear();
    }
  }

  #view(sub: string): SubjectView {
    let view = this.#views.get(sub);
    if (view) return view;
    const nodes: RoleNode[] = [];
    const reachingNodes: RoleNode[] = [];
    for (const dom of this.#subjectDepartments.get(sub) ?? EMPTY) {
      const roles = reachableFrom(this.#links.get(dom)!, sub);
      if (roles.length === 0) continue;
      for (const role of roles) {
        const node = this.#node(dom, role);
        nodes.push(node);
        if (node.reaching) reachingNodes.push(node);
      }
    }
    view = new SubjectView(nodes, reachingNodes.length === 0 ? NO_NODES : reachingNodes);
    // Callers name any subject they like: the cache must not grow without bound.
    if (this.#views.size >= MAX_VIEWS) this.#views.clear();
    // The key is our own copy, made next to the view: the request's string
    // may sit anywhere in the heap (or be a slice of a whole request body),
    // and every later lookup compares against the stored key.
    this.#views.set(sub.split('').join(''), view);
    return view;
  }

  #everyoneIn(dom: string): ActionLines | undefined {
    const id = DOMAIN_IDS.get(dom);
    return id === undefined ? undefined : this.#everyone[id];
  }

  #ancestorsOf(dom: string): { list: readonly string[]; set: ReadonlySet<string> } {
    let above = this.#ancestors.get(dom);
    if (!above) {
      const list = reachableFrom(this.#parents, dom);
      above = { list, set: new Set(list) };
      this.#ancestors.set(dom, above);
    }
    return above;
  }

  #reachChanged(): void {
    this.#reaching = reachersOf(this.#reachLinks, REACH_DOWN);
    for (const [subdom, bySub] of this.#nodes) {
      for (const [sub, node] of bySub) node.reaching = this.#reaching.has(`${sub}@${subdom}`);
    }
    this.#everyoneReaching.clear();
    for (const line of this.#lines.values()) {
      if (line.sub === '*' && line.subdom === line.dom && this.#reaching.has(`*@${line.dom}`)) {
        getOrCreate(this.#everyoneReaching, line.dom, () => new ActionLines()).add(line);
      }
    }
    this.#views.clear();
  }
}

/**
 * The matcher's conditions on one line, cheapest first. `untimed` is the
 * request's time against the window every rule has (0 to FOREVER), worked
 * out once per request: reading a line's times means following a pointer to
 * a boxed number, which at this rate costs more than the comparison.
 */
function applies(line: IndexedLine, req: IndexRequest, view: SubjectView, untimed: boolean): boolean {
  return (
    (line.purpose === '*' || line.purpose === req.purpose) &&
    req.acr >= line.minacr &&
    (line.timed ? req.now >= line.nbf && req.now < line.exp : untimed) &&
    (line.objKind === 1
      ? req.obj.startsWith(line.objText)
      : line.objKind === 0
        ? req.obj === line.objText
        : line.objKind === 3
          ? partsMatch(req.obj, line.objParts)
          : line.objRegex!.test(req.obj)) &&
    (line.except === '' || !holds(view, line.except, line.subdom))
  );
}

const EMPTY: readonly string[] = Object.freeze([]);
const NO_NODES: readonly RoleNode[] = Object.freeze([]);

function indexLine(raw: PolicyLine): IndexedLine {
  const [sub, subdom, dom, obj, act, purpose, minacr, nbf, exp, eft, except, id] = raw;
  const deny = eft === 'deny';
  const pattern = objectPattern(obj);
  const decision: Decision = Object.freeze(
    deny
      ? { allowed: false, reason: 'denied_by_rule' as const, ...source(id) }
      : { allowed: true, reason: 'allowed' as const, ...source(id) },
  );
  // Casbin compares the request's numbers with these strings as JavaScript does: numerically.
  const from = Number(nbf);
  const until = Number(exp);
  return {
    purpose,
    minacr: Number(minacr),
    timed: !(from === 0 && until === FOREVER),
    objKind: pattern.kind,
    objText: pattern.text,
    deny,
    except,
    decision,
    objParts: pattern.parts,
    objRegex: pattern.regex,
    nbf: from,
    exp: until,
    raw,
    sub,
    subdom,
    dom,
    act,
    actId: numberOf(ACTION_IDS, act),
    matches: compileObjectPattern(obj),
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
