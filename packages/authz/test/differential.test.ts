import { describe, expect, it } from 'vitest';
import { toCasbinLines, type CasbinLines } from '../src/casbin-lines.ts';
import { casbinDecides, casbinEnforcer } from '../src/casbin-reference.ts';
import { DecisionIndex, type IndexRequest } from '../src/decision-index.ts';
import { random, randomPolicy, randomRequest } from './random-policies.ts';

/**
 * The decision index against Casbin's own `enforceSync`, on many small random
 * policies and 100,000+ requests, before and after incremental changes.
 * ONEGATE_DIFF_SEED=<n> replays a run; a failure prints the seed and the case.
 */
const SEED = Number(process.env['ONEGATE_DIFF_SEED'] ?? 20261126);
const POLICIES = 600;
const REQUESTS_PER_POLICY = 120;

function describeCase(seed: number, lines: CasbinLines, req: IndexRequest): string {
  return `seed ${seed}\nrequest ${JSON.stringify(req)}\nlines ${JSON.stringify(lines)}`;
}

describe('decision index agrees with Casbin', () => {
  it(`on ${POLICIES} random policies × ${REQUESTS_PER_POLICY * 2} requests (seed ${SEED})`, async () => {
    let compared = 0;
    let allowed = 0;
    for (let n = 0; n < POLICIES; n++) {
      const seed = SEED + n;
      const rnd = random(seed);
      const lines = toCasbinLines(randomPolicy(rnd));
      const casbin = await casbinEnforcer(lines);
      const index = new DecisionIndex(lines);
      const compare = () => {
        for (let i = 0; i < REQUESTS_PER_POLICY; i++) {
          const req = randomRequest(rnd, lines);
          const expected = casbinDecides(casbin, req);
          const got = index.decide(req).allowed;
          if (got !== expected)
            expect.fail(`index ${got}, casbin ${expected}\n${describeCase(seed, lines, req)}`);
          // The explanation's path must reach the same verdict by listing what matched.
          const applied = index.candidates(req).filter(({ line }) => !index.failedCondition(line, req));
          const explained = applied.some(({ line }) => !line.deny) && !applied.some(({ line }) => line.deny);
          if (explained !== expected)
            expect.fail(`explain ${explained}, casbin ${expected}\n${describeCase(seed, lines, req)}`);
          compared++;
          if (got) allowed++;
        }
      };
      compare();
      // The same change to both, as the admin API makes them: a rule line, a role link, a department link.
      if (lines.p.length > 0) {
        const line = lines.p[Math.floor(rnd() * lines.p.length)]!;
        await casbin.removeNamedPolicy('p', ...line);
        index.removePolicy(line);
      }
      if (lines.g.length > 0) {
        const link = lines.g[Math.floor(rnd() * lines.g.length)]!;
        await casbin.removeNamedGroupingPolicy('g', ...link);
        index.removeLink(...link);
      }
      if (lines.g3.length > 0 && rnd() < 0.5) {
        const reach = lines.g3[0]!;
        await casbin.removeNamedGroupingPolicy('g3', ...reach);
        index.removeReach(...reach);
      }
      compare();
    }
    expect(compared).toBeGreaterThanOrEqual(100_000);
    // Both answers common enough that agreement means something.
    expect(allowed / compared).toBeGreaterThan(0.05);
    expect(allowed / compared).toBeLessThan(0.95);
  }, 300_000);
});
