/**
 * Field encryption over HTTP: a OneGate server (own process, SQLite) taking
 * batches of 1,000 18-byte values from a few concurrent callers, each
 * value sealed to its own row; then the same values decrypted back, each
 * decrypt authorized (action `decrypt`, one rule) and audited as in
 * production. Items per second, to set beside the raw in-process rate.
 */
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { startPlatform } from '../e2e/support/platform.ts';
import { formatRate, post, spawnServer } from './harness.ts';
import type { Served } from './serve.ts';

const BATCH = 1_000;
const WORKERS = 4;
const SECONDS = 6;
const SCOPE = 'privacy:encrypt privacy:decrypt';
const VALUE = '11010519491231002X';
const COLLECTION = 'bench-records/residents';

interface FieldServer {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export async function serveOneGateFields(): Promise<Served> {
  // The business limits on decrypting and the API rate limit are for people and apps, not for a load test.
  const platform = await startPlatform('sqlite', {
    ONEGATE_API_REQUESTS_PER_CLIENT_PER_MINUTE: '100000000',
    ONEGATE_PRIVACY_DECRYPTS_PER_PERSON_PER_DAY: '10000000',
    ONEGATE_PRIVACY_DECRYPTS_PER_CLIENT_PER_MINUTE: '100000000',
  });
  const { authz, identity } = platform.server;
  await authz.putDepartment({ id: 'bench-records', name: 'Bench records' }, 'bench');
  await authz.putRole({ department: 'bench-records', name: 'clerk' }, 'bench');
  await authz.assign({ subject: 'bench.clerk', department: 'bench-records', role: 'clerk' }, 'bench');
  await authz.putRule(
    {
      id: 'bench-clerk-decrypt',
      department: 'bench-records',
      role: 'clerk',
      resources: [`${COLLECTION}/*`],
      actions: ['decrypt'],
      purposes: ['benefit-eligibility'],
    },
    'bench',
  );
  const { client, clientSecret } = await identity.clients.add({
    name: 'Bench records app',
    scopes: SCOPE.split(' '),
  });
  const info: FieldServer = {
    issuer: platform.issuer,
    clientId: client.clientId,
    clientSecret: clientSecret!,
  };
  return { info, stop: () => platform.stop() };
}

export interface HttpFields {
  encryptPerSecond: number;
  decryptPerSecond: number;
  failed: number;
}

export async function measureHttpFields(): Promise<HttpFields> {
  const server = await spawnServer<FieldServer>('privacy-http:onegate');
  const agent = new Agent({ keepAlive: true, maxSockets: WORKERS });
  try {
    const { issuer, clientId, clientSecret } = server.info;
    const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
    const grant = await post(
      agent,
      new URL('/token', issuer),
      { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE }).toString(),
    );
    const token = (JSON.parse(grant.body) as { access_token: string }).access_token;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    // Bodies made up front, rows never repeating: the load generator should cost as little as it can.
    const rows = (batch: number) =>
      Array.from({ length: BATCH }, (_, i) => ({
        collection: COLLECTION,
        row: `r-${batch}-${i}`,
        field: 'id_number',
      }));
    const encryptBodies = Array.from({ length: 64 }, (_, b) =>
      JSON.stringify({ items: rows(b).map((place) => ({ value: VALUE, ...place })) }),
    );

    let failed = 0;
    const encryptUrl = new URL('/api/v1/privacy/encrypt', issuer);
    // The ciphertexts the decrypt round will send, sealed once beforehand.
    const sealed: string[] = [];
    for (const body of encryptBodies) {
      const res = await post(agent, encryptUrl, headers, body);
      if (res.status !== 200) throw new Error(`encrypt answered ${res.status}: ${res.body.slice(0, 200)}`);
      sealed.push(res.body);
    }
    const encryptPerSecond = await drive(agent, encryptUrl, headers, encryptBodies, {
      onFailure: () => failed++,
    });

    const decryptBodies = sealed.map((body, b) => {
      const { results } = JSON.parse(body) as { results: { ciphertext: string }[] };
      return JSON.stringify({
        purpose: 'benefit-eligibility',
        actor: 'bench.clerk',
        acr: 'substantial',
        items: rows(b).map((place, i) => ({ ciphertext: results[i]!.ciphertext, ...place })),
      });
    });
    const decryptPerSecond = await drive(
      agent,
      new URL('/api/v1/privacy/decrypt', issuer),
      headers,
      decryptBodies,
      {
        check: (body) => !body.includes('"error"'),
        onFailure: () => failed++,
      },
    );
    console.log(
      `  over HTTP encrypt ${formatRate(encryptPerSecond).padStart(7)} fields/s   (${WORKERS} callers, batches of ${BATCH})`,
    );
    console.log(
      `  over HTTP decrypt ${formatRate(decryptPerSecond).padStart(7)} fields/s   (each authorized and audited; ${failed} failed)`,
    );
    return { encryptPerSecond, decryptPerSecond, failed };
  } finally {
    agent.destroy();
    await server.stop();
  }
}

/** Sends the bodies round-robin from WORKERS callers: 2 s of warm-up, then SECONDS counted. */
async function drive(
  agent: Agent,
  url: URL,
  headers: Record<string, string>,
  bodies: string[],
  hooks: { check?: (body: string) => boolean; onFailure: () => void },
): Promise<number> {
  let next = 0;
  let done = 0;
  const run = async (seconds: number, count: boolean) => {
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (performance.now() < until) {
          const res = await post(agent, url, headers, bodies[next++ % bodies.length]!);
          if (res.status !== 200 || hooks.check?.(res.body) === false) hooks.onFailure();
          else if (count && performance.now() < until) done += BATCH;
        }
      }),
    );
  };
  await run(2, false);
  const start = performance.now();
  await run(SECONDS, true);
  return done / ((performance.now() - start) / 1000);
}
