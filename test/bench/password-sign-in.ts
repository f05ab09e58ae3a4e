/**
 * Full password sign-ins per second through OneGate's login form, against the
 * raw cost of the argon2id verify each one needs, at the same concurrency and
 * with the parameters the server actually uses; beside them, the same sign-in
 * on a bare oidc-provider with the smallest login that works (bare-sign-in.ts),
 * the floor the engine itself sets on this machine.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { argon2id, hash, verify } from 'argon2';
import { BenchBrowser } from './bench-browser.ts';
import { BARE_OPTIONS_ENV, type BareSignInOptions } from './bare-sign-in.ts';
import { startPlatform } from '../e2e/support/platform.ts';
import {
  alternate,
  formatRate,
  ownCpuMicros,
  report,
  spawnServer,
  type Measured,
  type Outcome,
  type Plan,
} from './harness.ts';
import type { Served } from './serve.ts';

/** A few browsers at once, each signing in as its own account (no per-account serialization). */
const WORKERS = 4;
const PLAN: Plan = { warmupSeconds: 2, rounds: 4, roundSeconds: 2 };
const TARGET = 1.2;
const PASSWORD = 'correct horse battery staple 42';
const REDIRECT_URI = 'http://127.0.0.1:9/bench/callback';

interface SignInServer {
  issuer: string;
  clientId: string;
  usernames: string[];
  hashParams: { memoryKiB: number; timeCost: number; parallelism: number };
}

export async function serveOneGateSignIn(): Promise<Served> {
  const platform = await startPlatform('sqlite');
  const { identity } = platform.server;
  // First party: no consent page, so each sign-in is authorize → login form → code.
  const { client } = await identity.clients.add({
    name: 'Bench app',
    redirectUris: [REDIRECT_URI],
    scopes: ['openid', 'profile'],
    firstParty: true,
  });
  const usernames = Array.from({ length: WORKERS }, (_, i) => `bench.user${i}`);
  for (const username of usernames) await identity.accounts.create({ username, password: PASSWORD });
  const info: SignInServer = {
    issuer: platform.issuer,
    clientId: client.clientId,
    usernames,
    hashParams: { ...identity.settings.passwordHash },
  };
  return { info, stop: () => platform.stop() };
}

/** One sign-in in a fresh browser (no session, so never SSO); undefined when the app gets a code. */
async function signIn(agent: Agent, target: SignInServer, username: string): Promise<string | undefined> {
  const browser = new BenchBrowser(agent);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(12).toString('base64url');
  const authorize = new URL('/auth', target.issuer);
  authorize.search = new URLSearchParams({
    client_id: target.clientId,
    response_type: 'code',
    scope: 'openid profile',
    redirect_uri: REDIRECT_URI,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state,
    nonce: randomBytes(12).toString('base64url'),
  }).toString();
  const page = await browser.visit(authorize.toString(), REDIRECT_URI);
  if (page.status !== 200 || !page.body.includes('name="password"')) return `login page: HTTP ${page.status}`;
  const back = await browser.submit(page, { username, password: PASSWORD }, REDIRECT_URI);
  if (!back.redirected) return `after login: HTTP ${back.status}`;
  const params = new URL(back.url).searchParams;
  if (!params.get('code') || params.get('state') !== state) return `redirect without code: ${back.url}`;
  return undefined;
}

export async function run(): Promise<Outcome> {
  console.log(
    `password sign-in: ${WORKERS} concurrent browsers, one account each; ${PLAN.warmupSeconds} s warm-up, then ${PLAN.rounds} × ${PLAN.roundSeconds} s each, alternating`,
  );
  const server = await spawnServer<SignInServer>('password-sign-in:onegate');
  const target = server.info;
  const bareOptions: BareSignInOptions = {
    redirectUri: REDIRECT_URI,
    usernames: target.usernames,
    password: PASSWORD,
    hashParams: target.hashParams,
  };
  process.env[BARE_OPTIONS_ENV] = JSON.stringify(bareOptions);
  const bare = await spawnServer<SignInServer>('password-sign-in:bare').catch(async (err: unknown) => {
    await server.stop();
    throw err;
  });
  // One connection per browser, kept open between sign-ins, as a browser keeps one to a site.
  const agents = Array.from({ length: WORKERS }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  try {
    const { memoryKiB, timeCost, parallelism } = target.hashParams;
    const stored = await hash(PASSWORD, { type: argon2id, memoryCost: memoryKiB, timeCost, parallelism });
    // While one runs the others are idle, so each has the machine to itself.
    const [signIns, bareSignIns, verifies] = (await alternate(
      [
        {
          label: 'OneGate password sign-ins',
          workers: WORKERS,
          task: (worker) => signIn(agents[worker]!, target, target.usernames[worker]!),
          cpuMicros: () => server.cpuMicros(),
        },
        {
          label: 'bare oidc-provider sign-ins',
          workers: WORKERS,
          task: (worker) => signIn(agents[worker]!, bare.info, bare.info.usernames[worker]!),
          cpuMicros: () => bare.cpuMicros(),
        },
        {
          label: `argon2id verify m=${memoryKiB} t=${timeCost} p=${parallelism}`,
          workers: WORKERS,
          task: async () => ((await verify(stored, PASSWORD)) ? undefined : 'verify returned false'),
          cpuMicros: ownCpuMicros,
        },
      ],
      PLAN,
    )) as [Measured, Measured, Measured];
    report(signIns, 'sign-ins', ' (server)');
    report(bareSignIns, 'sign-ins', ' (server)');
    report(verifies, 'verifies');
    // Time per sign-in over time per verify, all at the same concurrency.
    const ratio = verifies.perSecond / signIns.perSecond;
    const bareRatio = verifies.perSecond / bareSignIns.perSecond;
    const met = ratio <= TARGET;
    console.log(
      `  cost ratio sign-in/verify ${ratio.toFixed(2)}  (target <= ${TARGET}: ${met ? 'PASS' : 'BELOW TARGET'}); server CPU per sign-in ${(signIns.cpuMsPerOp / verifies.cpuMsPerOp).toFixed(2)}× a verify\n` +
        `  the bare engine's floor: sign-in/verify ${bareRatio.toFixed(2)}, server CPU per sign-in ${(bareSignIns.cpuMsPerOp / verifies.cpuMsPerOp).toFixed(2)}× a verify; ` +
        `OneGate ${(bareSignIns.perSecond / signIns.perSecond).toFixed(2)}× the bare sign-in's time\n`,
    );
    return {
      name: 'password-sign-in',
      ratio,
      target: `<= ${TARGET}`,
      met,
      errors: signIns.failed + bareSignIns.failed + verifies.failed,
      note:
        `${formatRate(signIns.perSecond)} sign-ins/s vs ${formatRate(verifies.perSecond)} verifies/s; ` +
        `bare oidc-provider ${formatRate(bareSignIns.perSecond)} sign-ins/s (ratio ${bareRatio.toFixed(2)})`,
    };
  } finally {
    for (const agent of agents) agent.destroy();
    await Promise.all([server.stop(), bare.stop()]);
  }
}
