/**
 * `pnpm bench [name…]`: OneGate beside its peer or raw primitive, in the same
 * run. Prints ratios against targets for information; never fails on timings.
 */
import { cpus, totalmem } from 'node:os';
import * as audit from './audit.ts';
import * as authz from './authz.ts';
import * as clientCredentials from './client-credentials.ts';
import type { Outcome } from './harness.ts';
import * as passwordSignIn from './password-sign-in.ts';
import * as privacy from './privacy.ts';

const benchmarks: Record<string, () => Promise<Outcome>> = {
  'client-credentials': clientCredentials.run,
  'password-sign-in': passwordSignIn.run,
  'authz-decisions': authz.run,
  'privacy-fields': privacy.run,
  'audit-log': audit.run,
};

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}

const cores = cpus();
console.log(
  `OneGate benchmarks: node ${process.version}, ${cores.length} × ${cores[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB\n`,
);

const outcomes: Outcome[] = [];
for (const name of asked.length > 0 ? asked : Object.keys(benchmarks)) {
  outcomes.push(await benchmarks[name]!());
}

console.log('summary');
console.log(
  `  ${'benchmark'.padEnd(20)} ${'ratio'.padStart(6)}  ${'target'.padEnd(8)} ${'result'.padEnd(12)} figures`,
);
for (const o of outcomes) {
  const result = o.errors > 0 ? `${o.errors} ERRORS` : o.met ? 'PASS' : 'BELOW TARGET';
  console.log(
    `  ${o.name.padEnd(20)} ${o.ratio.toFixed(2).padStart(6)}  ${o.target.padEnd(8)} ${result.padEnd(12)} ${o.note}`,
  );
}
