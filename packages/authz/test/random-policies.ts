import { subjectKey, type CasbinLines } from '../src/casbin-lines.ts';
import type { IndexRequest } from '../src/decision-index.ts';
import type { AcrLevel, Delegation, Department, PolicySet, Role, Rule } from '../src/policy.ts';

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const T0 = 1_800_000_000_000;
const DEPARTMENTS = ['ca', 'ca-hz', 'ca-hz-xh', 'ps', 'hl'];
const ROLES = ['clerk', 'auditor', 'chief'];
const ACTIONS = ['read', 'write', 'delete'];
const PURPOSES = ['p1', 'p2', 'p3'];
const ACRS: AcrLevel[] = ['low', 'substantial', 'high'];
const PATTERNS = ['x/*', 'x/y', '*', '*/y', 'x/*/z', 'y/*', 'x/y/*', 'x/*/z/*', '*/y/*/z'];
const OBJECTS = ['/x/y', '/x/y/z', '/x/a/z', '/y', '/y/q', '/x', '/q/y', '/x/y/y/z'];

/**
 * A small random policy with the shapes that matter: a department tree,
 * inherited and reaching roles, multi-department subjects, wildcards, denies
 * (for a role and for everyone but a role), and delegations with time bounds.
 */
export function randomPolicy(rnd: () => number): PolicySet {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const some = <T>(xs: readonly T[], max = xs.length): T[] => {
    const chosen = xs.filter(() => rnd() < 0.5).slice(0, max);
    return chosen.length > 0 ? chosen : [pick(xs)];
  };
  const departments: Department[] = [];
  for (const id of DEPARTMENTS.slice(0, 2 + Math.floor(rnd() * 4))) {
    const parent = departments.length > 0 && rnd() < 0.6 ? pick(departments).id : undefined;
    departments.push({ id, name: id, parent });
  }
  const roles: Role[] = [];
  for (const d of departments) {
    const names = ROLES.slice(0, 1 + Math.floor(rnd() * ROLES.length));
    names.forEach((name, i) =>
      roles.push({
        department: d.id,
        name,
        reachDown: rnd() < 0.35,
        inherits: names.slice(0, i).filter(() => rnd() < 0.4),
      }),
    );
  }
  const assignments = [];
  for (let u = 1; u <= 4; u++) {
    for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
      const role = pick(roles);
      assignments.push({ subject: `u${u}`, department: role.department, role: role.name });
    }
  }
  const rules: Rule[] = [];
  for (let i = 0; i < 2 + Math.floor(rnd() * 8); i++) {
    const d = pick(departments);
    const own = roles.filter((r) => r.department === d.id);
    const deny = rnd() < 0.25;
    const everyone = deny && rnd() < 0.4;
    rules.push({
      id: `r${i}`,
      department: d.id,
      role: everyone ? '*' : pick(own).name,
      except: everyone && rnd() < 0.7 ? pick(own).name : undefined,
      resources: some(PATTERNS, 2).map((p) => `${d.id}/${p}`),
      actions: rnd() < 0.3 ? ['*'] : some(ACTIONS, 2),
      purposes: rnd() < 0.5 ? ['*'] : some(PURPOSES, 2),
      minAcr: pick(ACRS),
      effect: deny ? 'deny' : 'allow',
    });
  }
  const delegations: Delegation[] = [];
  for (let i = 0; i < Math.floor(rnd() * 4) && departments.length > 1; i++) {
    const from = pick(departments);
    const to = pick(departments.filter((d) => d !== from));
    const notBefore = T0 + Math.floor(rnd() * 3) * 1000;
    delegations.push({
      id: `d${i}`,
      fromDepartment: from.id,
      toDepartment: to.id,
      toRole: pick(roles.filter((r) => r.department === to.id)).name,
      resources: some(PATTERNS, 2).map((p) => `${from.id}/${p}`),
      actions: some(ACTIONS, 2),
      purposes: some(PURPOSES, 2),
      notBefore,
      expiresAt: notBefore + (1 + Math.floor(rnd() * 3)) * 1000,
      minAcr: pick(ACRS),
      reason: 'test',
      createdBy: 'admin-a',
      approvedBy: 'admin-b',
      status: rnd() < 0.8 ? 'approved' : pick(['pending', 'revoked'] as const),
    });
  }
  return { departments, roles, assignments, rules, delegations };
}

/** A request near the policy's edges: its departments, users with and without roles, times at the bounds. */
export function randomRequest(rnd: () => number, lines: CasbinLines): IndexRequest {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const bounds = lines.p.flatMap((p) => [Number(p[7]), Number(p[8])]).filter((t) => t > 0 && t < 1e15);
  const edge = bounds.length > 0 ? pick(bounds) : T0;
  const req: IndexRequest = {
    sub: subjectKey(`u${1 + Math.floor(rnd() * 5)}`),
    dom: pick(DEPARTMENTS),
    obj: pick(OBJECTS),
    act: pick(ACTIONS),
    purpose: rnd() < 0.25 ? '' : pick(PURPOSES),
    acr: Math.floor(rnd() * 4),
    now: edge + pick([-1, 0, 1, 500, -500]),
  };
  // Most requests aim at some line, so that allows and denies are both common.
  if (lines.p.length > 0 && rnd() < 0.7) {
    const [, , dom, obj, act, purpose] = pick(lines.p);
    if (rnd() < 0.7) req.dom = dom;
    if (rnd() < 0.8) req.obj = obj.replace(/\*/g, () => pick(['y', 'y/z', 'q']));
    if (act !== '*' && rnd() < 0.8) req.act = act;
    if (purpose !== '*' && rnd() < 0.8) req.purpose = purpose;
  }
  return req;
}
