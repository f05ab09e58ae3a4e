import { REACH_DOWN, type CasbinLines, type PolicyLine } from './casbin-lines.ts';
import { compileObjectPattern, objectPattern, type ObjectMatcher } from './object-pattern.ts';
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
  readonly actId: number;
  readonly purpose: string;
  readonly minacr: number;
  readonly nbf: number;
  readonly exp: number;
  readonly deny: boolean;
  readonly except: string;
  readonly matches: ObjectMatcher;
  /** `matches` as fields (see ObjectPattern), read inline by the decision loop. */
  readonly objKind: 0 | 1 | 2;
  readonly objText: string;
  readonly objRegex: RegExp | undefined;
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

/** Lines of one group by action; actions are small numbers (ACTION_IDS) so finding them is an array read. */
class ActionLines {
  readonly byAct: Array<IndexedLine[] | undefined> = [];
  readonly anyAct: IndexedLine[] = [];
  size = 0;

  addAll(group: ActionLines | undefined): void {
    if (group === undefined) return;
    for (const list of group.byAct) if (list) for (const line of list) this.add(line);
    for (const line of group.anyAct) this.add(line);
  }

  add(line: IndexedLine): void {
    if (line.act === '*') this.anyAct.push(line);
    else (this.byAct[line.actId] ??= []).push(line);
    this.size++;
  }

  remove(line: IndexedLine): void {
    const list = line.act === '*' ? this.anyAct : this.byAct[line.actId];
    const at = list?.indexOf(line) ?? -1;
    if (at < 0) return;
    list!.splice(at, 1);
    if (list!.length === 0 && line.act !== '*') this.byAct[line.actId] = undefined;
    this.size--;
  }

  lines(act: string): IndexedLine[] {
    const id = ACTION_IDS.get(act);
    return [...((id === undefined ? undefined : this.byAct[id]) ?? []), ...this.anyAct];
  }
}

/** Every action name ever seen in a line gets a number, for the life of the process (a few dozen). */
const ACTION_IDS = new Map<string, number>();

function actionId(act: string): number {
  let id = ACTION_IDS.get(act);
  if (id === undefined) {
    id = ACTION_IDS.size;
    ACTION_IDS.set(act, id);
  }
  return id;
}

/** A role held in a department (`p.sub` in `p.subdom`), and its lines by the department they cover. */
class RoleNode {
  readonly byDom = new Map<string, ActionLines>();
  /** `sub@subdom` reaches down: its own department's lines also cover the departments below. */
  reaching = false;

  readonly subdom: string;
  readonly sub: string;

  constructor(subdom: string, sub: string) {
    this.subdom = subdom;
    this.sub = sub;
  }
}

/** What a subject holds, resolved once: the role nodes to visit and the role names per department. */
interface SubjectView {
  nodes: RoleNode[];
  /** `nodes[i].byDom`, one read closer. */
  lineMaps: Array<Map<string, ActionLines>>;
  reachingNodes: RoleNode[];
  roles: Map<string, readonly string[]>;
}

/** The lines for one subject in one department, valid while the policy stays at `generation`. */
interface Compiled {
  generation: number;
  /** By action number: that action's lines, then the any-action ones. */
  byAct: Array<IndexedLine[] | undefined>;
  anyAct: IndexedLine[];
  view: SubjectView;
}

/** Past this many compiled subject-department pairs the cache starts over (some 100 MB). */
const MAX_COMPILED = 1_000_000;
/** Subjects whose role closure is kept resolved (a few hundred bytes each). */
const MAX_VIEWS = 1_000_000;

export class DecisionIndex {
  /** dom → subject → its compiled lines there. */
  readonly #compiled = new Map<string, Map<string, Compiled>>();
  #compiledCount = 0;
  /** Bumped by every change: compiled lines older than this are rebuilt on use. */
  #generation = 0;
  readonly #lines = new Map<string, IndexedLine>();
  /** subdom → sub → node, for role subjects. */
  readonly #nodes = new Map<string, Map<string, RoleNode>>();
  /** `p.sub == "*"` lines by the department they cover, whatever the subdom. */
  readonly #everyone = new Map<string, ActionLines>();
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
    this.#everyone.clear();
    this.#everyoneReaching.clear();
    this.#links.clear();
    this.#subjectDepartments.clear();
    this.#parents.clear();
    this.#reachLinks.clear();
    this.#views.clear();
    this.#ancestors.clear();
    this.#compiled.clear();
    this.#compiledCount = 0;
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
    this.#generation++;
  }

  removeParent(child: string, parent: string): void {
    removeEdge(this.#parents, child, parent);
    this.#ancestors.clear();
    this.#generation++;
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
   * The lines that can concern a subject in a department — role closure, the
   * department's own lines and those shared into it, reach-down from above,
   * denies for everyone — are gathered on first use and kept, by action,
   * until the policy next changes; a decision is then two map reads and a
   * scan of a few lines. Requests come validated: no line breaks in `obj`,
   * which `keyMatch2`'s `.*` would not cross.
   */
  decide(req: IndexRequest): Decision {
    let bySubject = this.#compiled.get(req.dom);
    if (bySubject === undefined) {
      bySubject = new Map();
      this.#compiled.set(req.dom, bySubject);
    }
    let entry = bySubject.get(req.sub);
    if (entry === undefined || entry.generation !== this.#generation) {
      entry = this.#compile(req.sub, req.dom);
      bySubject.set(req.sub, entry);
    }
    const actId = ACTION_IDS.get(req.act);
    const lines = (actId === undefined ? undefined : entry.byAct[actId]) ?? entry.anyAct;
    let allow: IndexedLine | undefined;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (!applies(line, req, entry.view)) continue;
      if (line.deny) return line.decision;
      allow ??= line;
    }
    return allow === undefined ? NO_MATCH : allow.decision;
  }

  #compile(sub: string, dom: string): Compiled {
    const view = this.#view(sub);
    const gathered = new ActionLines();
    for (const map of view.lineMaps) gathered.addAll(map.get(dom));
    gathered.addAll(this.#everyone.get(dom));
    const above = this.#ancestorsOf(dom);
    for (const node of view.reachingNodes) {
      if (above.set.has(node.subdom)) gathered.addAll(node.byDom.get(node.subdom));
    }
    for (const up of above.list) gathered.addAll(this.#everyoneReaching.get(up));
    // Each action's lines with the any-action lines after them: one list to scan.
    const byAct = gathered.byAct.map((lines) => (lines ? [...lines, ...gathered.anyAct] : undefined));
    if (++this.#compiledCount > MAX_COMPILED) {
      this.#compiled.clear();
      this.#compiledCount = 0;
    }
    return { generation: this.#generation, byAct, anyAct: gathered.anyAct, view };
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
    for (const node of view.nodes) collect(node.byDom.get(req.dom));
    collect(this.#everyone.get(req.dom));
    for (const above of this.#ancestorsOf(req.dom).list) {
      for (const node of view.reachingNodes) if (node.subdom === above) collect(node.byDom.get(above), above);
      collect(this.#everyoneReaching.get(above), above);
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
    return this.#view(sub).roles;
  }

  /** The roles `sub` holds in `dom`, inherited ones included, as Casbin's `g` would find them. */
  rolesOf(sub: string, dom: string): readonly string[] {
    return this.#view(sub).roles.get(dom) ?? EMPTY;
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
    this.#generation++;
    let group: ActionLines;
    if (line.sub === '*') {
      group = getOrCreate(this.#everyone, line.dom, () => new ActionLines());
      if (line.subdom === line.dom && this.#reaching.has(`*@${line.dom}`)) {
        const reaching = getOrCreate(this.#everyoneReaching, line.dom, () => new ActionLines());
        if (add) reaching.add(line);
        else reaching.remove(line);
      }
    } else {
      group = getOrCreate(this.#node(line.subdom, line.sub).byDom, line.dom, () => new ActionLines());
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
    this.#generation++;
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
    view = { nodes: [], lineMaps: [], reachingNodes: [], roles: new Map() };
    for (const dom of this.#subjectDepartments.get(sub) ?? EMPTY) {
      const roles = reachableFrom(this.#links.get(dom)!, sub);
      if (roles.length === 0) continue;
      view.roles.set(dom, roles);
      for (const role of roles) {
        const node = this.#node(dom, role);
        view.nodes.push(node);
        view.lineMaps.push(node.byDom);
        if (node.reaching) view.reachingNodes.push(node);
      }
    }
    // Callers name any subject they like: the cache must not grow without bound.
    if (this.#views.size >= MAX_VIEWS) this.#views.clear();
    this.#views.set(sub, view);
    return view;
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
    this.#generation++;
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

/** The matcher's conditions on one line, cheapest first. */
function applies(line: IndexedLine, req: IndexRequest, view: SubjectView): boolean {
  return (
    (line.purpose === '*' || line.purpose === req.purpose) &&
    req.acr >= line.minacr &&
    req.now >= line.nbf &&
    req.now < line.exp &&
    (line.objKind === 1
      ? req.obj.startsWith(line.objText)
      : line.objKind === 0
        ? req.obj === line.objText
        : line.objRegex!.test(req.obj)) &&
    (line.except === '' || !(view.roles.get(line.subdom) ?? EMPTY).includes(line.except))
  );
}

const EMPTY: readonly string[] = Object.freeze([]);

function indexLine(raw: PolicyLine): IndexedLine {
  const [sub, subdom, dom, obj, act, purpose, minacr, nbf, exp, eft, except, id] = raw;
  const deny = eft === 'deny';
  const pattern = objectPattern(obj);
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
    actId: actionId(act),
    purpose,
    // Casbin compares the request's numbers with these strings as JavaScript does: numerically.
    minacr: Number(minacr),
    nbf: Number(nbf),
    exp: Number(exp),
    deny,
    except,
    matches: compileObjectPattern(obj),
    objKind: pattern.kind,
    objText: pattern.text,
    objRegex: pattern.regex,
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
