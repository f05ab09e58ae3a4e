/**
 * Authorization decisions at government scale: OneGate's decision index
 * against node-casbin's `enforceSync` on the same policy lines and the same
 * never-repeating requests, in one run; plus policy load, one change, and
 * access-review queries. The Casbin sample doubles as the slow differential
 * test: every answer it gives is compared with the index's.
 */
import { performance } from 'node:perf_hooks';
import {
  DecisionIndex,
  PolicyEngine,
  casbinDecides,
  casbinEnforcer,
  toCasbinLines,
  whatCan,
  whoCan,
  type IndexRequest,
} from '@onegate/authz';
import { measureHttpChecks } from './authz-http.ts';
import { governmentScale, NOW, requests } from './authz-scale.ts';
import { formatRate, type Outcome } from './harness.ts';

const TARGET = 1_000_000;
const HTTP_TARGET = 20_000;
const INDEX_REQUESTS = 1_000_000;
const CASBIN_SECONDS = 5;

export async function run(): Promise<Outcome> {
  console.log('authorization at government scale (seeded policy, never-repeating requests, one core)');
  const scale = governmentScale();
  const { policy } = scale;
  console.log(
    `  policy: ${policy.departments.length} departments, ${policy.roles.length} roles, ${policy.rules.length} rules, ${policy.assignments.length.toLocaleString('en')} assignments, ${policy.delegations.length} delegations`,
  );

  let t = performance.now();
  const engine = await PolicyEngine.create({ clock: () => NOW });
  await engine.replace(policy);
  const loadMs = performance.now() - t;
  t = performance.now();
  const lines = toCasbinLines(policy);
  const rebuilt = new DecisionIndex(lines);
  const buildMs = performance.now() - t;
  console.log(
    `  load: ${loadMs.toFixed(0)} ms checked and indexed (${rebuilt.size.toLocaleString('en')} lines; index alone from lines ${buildMs.toFixed(0)} ms)`,
  );

  const checks = requests(scale, INDEX_REQUESTS);
  const prepared: IndexRequest[] = checks.map((c) => engine.toIndexRequest(c, NOW));

  // The index: whole checks (validation included), then bare decisions, then a timed sample for p99.
  const checked = rate(() => {
    let allowed = 0;
    for (const c of checks) if (engine.check(c).allowed) allowed++;
    return allowed;
  }, checks.length);
  const decided = rate(() => {
    let allowed = 0;
    for (const r of prepared) if (engine.decide(r).allowed) allowed++;
    return allowed;
  }, prepared.length);
  const indexP99 = p99((i) => engine.decide(prepared[i % prepared.length]!), 200_000);

  t = performance.now();
  const casbin = await casbinEnforcer(lines);
  const casbinLoadMs = performance.now() - t;
  let casbinDone = 0;
  let disagreements = 0;
  const casbinTimes: number[] = [];
  const until = performance.now() + CASBIN_SECONDS * 1000;
  while (performance.now() < until && casbinDone < prepared.length) {
    const req = prepared[casbinDone]!;
    const start = performance.now();
    const answer = casbinDecides(casbin, req);
    casbinTimes.push(performance.now() - start);
    if (answer !== engine.decide(req).allowed) disagreements++;
    casbinDone++;
  }
  const casbinRate = casbinDone / (casbinTimes.reduce((a, b) => a + b, 0) / 1000);
  casbinTimes.sort((a, b) => a - b);
  const casbinP99 = casbinTimes[Math.floor(casbinTimes.length * 0.99)]! * 1000;

  console.log(
    `  index, check():   ${formatRate(checked.perSecond).padStart(10)} checks/s     (validation included; ${((100 * checked.result) / checks.length).toFixed(1)}% allowed)`,
  );
  console.log(
    `  index, decide():  ${formatRate(decided.perSecond).padStart(10)} decisions/s  p99 ${indexP99.toFixed(2)} µs (timer included)`,
  );
  console.log(
    `  casbin enforceSync ${formatRate(casbinRate).padStart(9)} decisions/s  p99 ${casbinP99.toFixed(0)} µs; ${casbinDone} requests, load ${casbinLoadMs.toFixed(0)} ms`,
  );
  console.log(
    `  ratio index/casbin ${(decided.perSecond / casbinRate).toFixed(0)}×; Casbin and the index disagreed on ${disagreements} of ${casbinDone}`,
  );

  // One change, as the admin API makes it: a rule's action, then an assignment, each back and forth.
  const rule = policy.rules[123]!;
  const changes = 200;
  t = performance.now();
  for (let i = 0; i < changes; i++) {
    await engine.putRule({ ...rule, actions: [i % 2 === 0 ? 'audit-export' : rule.actions[0]!] });
  }
  const ruleChangeUs = ((performance.now() - t) * 1000) / changes;
  const assignment = { subject: 's42', department: policy.departments[7]!.id, role: 'role-3' };
  t = performance.now();
  for (let i = 0; i < changes / 2; i++) {
    await engine.assign(assignment);
    await engine.unassign(assignment);
  }
  const assignUs = ((performance.now() - t) * 1000) / changes;
  console.log(`  one change: rule ${ruleChangeUs.toFixed(0)} µs, role assignment ${assignUs.toFixed(0)} µs`);

  t = performance.now();
  const who = whoCan(engine, {
    action: 'read',
    resource: `${policy.departments[1]!.id}/case-files/2026-0001`,
  });
  const whoMs = performance.now() - t;
  t = performance.now();
  const what = whatCan(engine, { subject: 's7' });
  const whatMs = performance.now() - t;
  console.log(
    `  access review: who can read one record ${whoMs.toFixed(1)} ms (${who.access.length} ways in, ${who.blocked.length} blocked); what can one person do ${whatMs.toFixed(2)} ms (${what.grants.length} lines)`,
  );

  const http = await measureHttpChecks();
  console.log(
    `  target over HTTP >= ${formatRate(HTTP_TARGET)} checks/s: ${http.perSecond >= HTTP_TARGET ? 'PASS' : 'BELOW TARGET'}\n`,
  );

  const met = decided.perSecond >= TARGET && http.perSecond >= HTTP_TARGET;
  return {
    name: 'authz-decisions',
    ratio: decided.perSecond / casbinRate,
    target: '>= 1M/s',
    met,
    errors: disagreements + http.failed,
    note: `${formatRate(decided.perSecond)} decisions/s (index) vs ${formatRate(casbinRate)}/s (casbin enforceSync); ${formatRate(http.perSecond)} checks/s over HTTP`,
  };
}

/** Runs `loop` once to warm up, then three times timed: the median, so one pause of the machine does not decide. */
function rate(loop: () => number, count: number): { perSecond: number; result: number } {
  let result = loop();
  const rates: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    result = loop();
    rates.push(count / ((performance.now() - start) / 1000));
  }
  rates.sort((a, b) => a - b);
  return { perSecond: rates[1]!, result };
}

/** 99th percentile of `n` single calls, in µs. */
function p99(call: (i: number) => unknown, n: number): number {
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    call(i);
    times[i] = performance.now() - start;
  }
  times.sort();
  return times[Math.floor(n * 0.99)]! * 1000;
}
