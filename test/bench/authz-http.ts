/**
 * Authorization checks per second over HTTP: a OneGate server (own process,
 * SQLite, the government-scale policy loaded) answering batches of 1,000
 * never-repeating checks from a few concurrent callers, every deny audited as
 * in production.
 */
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { startPlatform } from '../e2e/support/platform.ts';
import { governmentScale, requests } from './authz-scale.ts';
import { formatRate, post, spawnServer } from './harness.ts';
import type { Served } from './serve.ts';

const BATCH = 1_000;
const WORKERS = 4;
const SECONDS = 8;
const SCOPE = 'authz:check';

interface CheckServer {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export async function serveOneGateChecks(): Promise<Served> {
  // The per-app API rate limit is for apps, not for a load test.
  const platform = await startPlatform('sqlite', { ONEGATE_API_REQUESTS_PER_CLIENT_PER_MINUTE: '100000000' });
  await platform.server.authz.replace(governmentScale().policy, 'bench');
  const { client, clientSecret } = await platform.server.identity.clients.add({
    name: 'Bench records app',
    scopes: [SCOPE],
  });
  const info: CheckServer = {
    issuer: platform.issuer,
    clientId: client.clientId,
    clientSecret: clientSecret!,
  };
  return { info, stop: () => platform.stop() };
}

export async function measureHttpChecks(): Promise<{ perSecond: number; failed: number }> {
  const server = await spawnServer<CheckServer>('authz-http:onegate');
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
    // Bodies made up front: the load generator should cost as little as it can.
    const checks = requests(governmentScale(), 400_000, 11);
    const bodies: string[] = [];
    for (let i = 0; i + BATCH <= checks.length; i += BATCH) {
      bodies.push(JSON.stringify({ checks: checks.slice(i, i + BATCH) }));
    }
    const url = new URL('/api/v1/authz/check', issuer);
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    let next = 0;
    let done = 0;
    let failed = 0;
    const run = async (seconds: number, count: boolean) => {
      const until = performance.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          while (performance.now() < until && next < bodies.length) {
            const res = await post(agent, url, headers, bodies[next++]!);
            if (res.status !== 200) failed++;
            else if (count && performance.now() < until) done += BATCH;
          }
        }),
      );
    };
    await run(2, false);
    const start = performance.now();
    await run(SECONDS, true);
    const perSecond = done / ((performance.now() - start) / 1000);
    console.log(
      `  over HTTP:        ${formatRate(perSecond).padStart(10)} checks/s     (${WORKERS} callers, batches of ${BATCH}, every deny audited; ${failed} failed)`,
    );
    return { perSecond, failed };
  } finally {
    agent.destroy();
    await server.stop();
  }
}
