/**
 * A policy at government scale, made the same way every run (seeded): 50
 * departments in ten province → city families, 20 roles each (some reaching
 * down, some inheriting), 10 rules per role (10,000 lines, some of them
 * denies), 100,000 subjects holding 1–3 roles (≈150,000 assignments) and
 * 2,000 data-sharing agreements. Requests never repeat.
 */
import type { CheckRequest, Delegation, PolicySet, Rule } from '@onegate/authz';

export const NOW = Date.parse('2026-12-01T00:00:00Z');
const DAY = 86_400_000;
const FAMILIES = 10;
const CITIES = 4;
const ROLES = 20;
const RULES_PER_ROLE = 10;
const SUBJECTS = 100_000;
const DELEGATIONS = 2_000;
const TYPES = [
  'case-files',
  'household',
  'marriage',
  'pensions',
  'claims',
  'medical',
  'licences',
  'tax-returns',
];
const ACTIONS = ['read', 'write', 'update', 'export', 'delete'];
const PURPOSES = ['service-delivery', 'audit', 'criminal-investigation', 'benefit-eligibility', 'statistics'];

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Scale {
  policy: PolicySet;
  /** Where each subject holds roles, to ask realistic questions. */
  holdings: Array<Array<{ department: string; role: string }>>;
}

export function governmentScale(seed = 2026): Scale {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const policy: PolicySet = { departments: [], roles: [], assignments: [], rules: [], delegations: [] };
  for (let f = 0; f < FAMILIES; f++) {
    const province = `dept-${f}`;
    policy.departments.push({ id: province, name: `Department ${f}` });
    for (let c = 0; c < CITIES; c++) {
      policy.departments.push({
        id: `${province}-city-${c}`,
        name: `Department ${f}, city ${c}`,
        parent: province,
      });
    }
  }
  const ids = policy.departments.map((d) => d.id);
  for (const department of ids) {
    const provincial = !department.includes('-city-');
    for (let r = 0; r < ROLES; r++) {
      policy.roles.push({
        department,
        name: `role-${r}`,
        reachDown: provincial && r < 2,
        inherits: r >= 15 ? [`role-${r - 15}`] : [],
      });
      for (let k = 0; k < RULES_PER_ROLE; k++) {
        const deny = k === RULES_PER_ROLE - 1 && r % 5 === 0;
        const rule: Rule = {
          id: `${department}-r${r}-${k}`,
          department,
          role: `role-${r}`,
          resources: [
            rnd() < 0.15 ? `${department}/${pick(TYPES)}/*/attachments/*` : `${department}/${pick(TYPES)}/*`,
          ],
          actions: [pick(ACTIONS)],
          purposes: [rnd() < 0.5 ? '*' : pick(PURPOSES)],
          minAcr: rnd() < 0.3 ? 'substantial' : 'low',
          effect: deny ? 'deny' : 'allow',
        };
        policy.rules.push(rule);
      }
    }
  }
  const holdings: Scale['holdings'] = [];
  for (let s = 0; s < SUBJECTS; s++) {
    const held: Array<{ department: string; role: string }> = [];
    const count = rnd() < 0.6 ? 1 : rnd() < 0.75 ? 2 : 3;
    const home = pick(ids);
    for (let k = 0; k < count; k++) {
      const department = k === 0 || rnd() < 0.7 ? home : pick(ids);
      const role = `role-${Math.floor(rnd() * ROLES)}`;
      if (held.some((h) => h.department === department && h.role === role)) continue;
      held.push({ department, role });
      policy.assignments.push({ subject: `s${s}`, department, role });
    }
    holdings.push(held);
  }
  for (let d = 0; d < DELEGATIONS; d++) {
    const from = pick(ids);
    let to = pick(ids);
    while (to === from) to = pick(ids);
    const notBefore = NOW - Math.floor(rnd() * 200) * DAY;
    const delegation: Delegation = {
      id: `agreement-${d}`,
      fromDepartment: from,
      toDepartment: to,
      toRole: `role-${Math.floor(rnd() * ROLES)}`,
      resources: [`${from}/${pick(TYPES)}/*`],
      actions: ['read'],
      purposes: [pick(PURPOSES)],
      notBefore,
      expiresAt: notBefore + Math.floor(30 + rnd() * 365) * DAY,
      minAcr: 'substantial',
      reason: 'benchmark agreement',
      createdBy: 'admin-a',
      approvedBy: 'admin-b',
      status: 'approved',
    };
    policy.delegations.push(delegation);
  }
  return { policy, holdings };
}

/** `count` distinct requests, mostly about the subject's own or shared departments' data. */
export function requests(scale: Scale, count: number, seed = 7): CheckRequest[] {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const ids = scale.policy.departments.map((d) => d.id);
  const out: CheckRequest[] = [];
  for (let i = 0; i < count; i++) {
    const s = Math.floor(rnd() * scale.holdings.length);
    const held = scale.holdings[s]!;
    const department = rnd() < 0.8 && held.length > 0 ? pick(held).department : pick(ids);
    const type = pick(TYPES);
    // The running number makes every request distinct: nothing here can be answered from a cache.
    const resource =
      rnd() < 0.1 ? `${department}/${type}/${i}/attachments/scan-${i}.pdf` : `${department}/${type}/${i}`;
    out.push({
      subject: `s${s}`,
      action: pick(ACTIONS),
      resource,
      purpose: rnd() < 0.3 ? undefined : pick(PURPOSES),
      acr: rnd() < 0.5 ? 'low' : 'substantial',
    });
  }
  return out;
}
