/**
 * Client-credentials grants per second: OneGate (real server, SQLite store)
 * against a bare oidc-provider with its in-memory adapter, configured the same
 * way: one confidential client (client_secret_basic), a default resource
 * indicator, JWT access tokens signed ES256.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Agent, createServer } from 'node:http';
import Provider, { errors } from 'oidc-provider';
import { freePort, startPlatform } from '../e2e/support/platform.ts';
import {
  alternate,
  formatRate,
  post,
  report,
  spawnServer,
  type Contender,
  type Measured,
  type Outcome,
  type Plan,
  type ServerProcess,
} from './harness.ts';
import type { Served } from './serve.ts';

const WORKERS = 32;
const PLAN: Plan = { warmupSeconds: 2, rounds: 4, roundSeconds: 2 };
const TARGET = 0.7;
const SCOPE = 'audit:write authz:check';

interface TokenServer {
  issuer: string;
  clientId: string;
  clientSecret: string;
  resource: string;
}

export async function serveOneGateTokens(): Promise<Served> {
  const platform = await startPlatform('sqlite');
  const { client, clientSecret } = await platform.server.identity.clients.add({
    name: 'Bench service',
    scopes: SCOPE.split(' '),
  });
  const info: TokenServer = {
    issuer: platform.issuer,
    clientId: client.clientId,
    clientSecret: clientSecret!,
    resource: `${platform.issuer}/api/v1`,
  };
  return { info, stop: () => platform.stop() };
}

export async function serveBareProvider(): Promise<Served> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const resource = `${issuer}/api/v1`;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', alg: 'ES256', use: 'sig' };
  const clientSecret = 'bench-secret-0123456789abcdef0123456789';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'bench-service',
        client_secret: clientSecret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        // Only an ES256 key here; the RS256 default would make the client invalid.
        id_token_signed_response_alg: 'ES256',
        scope: SCOPE,
      },
    ],
    jwks: { keys: [jwk] },
    scopes: SCOPE.split(' '),
    cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
    ttl: { ClientCredentials: 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== resource) throw new errors.InvalidTarget();
          return {
            scope: SCOPE,
            audience: resource,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 600,
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
  });
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- Koa handles its own promise
  const server = createServer(provider.callback());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const info: TokenServer = { issuer, clientId: 'bench-service', clientSecret, resource };
  return {
    info,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The resource-less grant request a service sends; OneGate defaults the resource to /api/v1. */
function grantRequest(target: TokenServer) {
  const basic = Buffer.from(
    `${encodeURIComponent(target.clientId)}:${encodeURIComponent(target.clientSecret)}`,
  ).toString('base64');
  return [
    new URL('/token', target.issuer),
    { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE }).toString(),
  ] as const;
}

/** Checks that the server issues what we mean to compare, and says what that is. */
async function describeToken(agent: Agent, target: TokenServer): Promise<string> {
  const res = await post(agent, ...grantRequest(target));
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.body}`);
  const token = (JSON.parse(res.body) as { access_token: string }).access_token;
  const [header, payload] = token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
  if (header?.['alg'] !== 'ES256' || payload?.['aud'] !== target.resource) {
    throw new Error(`unexpected token: ${JSON.stringify({ header, payload })}`);
  }
  return `${String(header['typ'])} ${String(header['alg'])}, scope "${String(payload['scope'])}"`;
}

/** A service asking for tokens as fast as it can, over keep-alive connections. */
function contender(label: string, server: ServerProcess<TokenServer>, agent: Agent): Contender {
  const request = grantRequest(server.info);
  return {
    label,
    workers: WORKERS,
    task: async () => {
      const res = await post(agent, ...request);
      return res.status === 200 ? undefined : `HTTP ${res.status} ${res.body.slice(0, 120)}`;
    },
    cpuMicros: () => server.cpuMicros(),
  };
}

export async function run(): Promise<Outcome> {
  console.log(
    `client credentials: ${WORKERS} keep-alive workers; ${PLAN.warmupSeconds} s warm-up, then ${PLAN.rounds} × ${PLAN.roundSeconds} s each, alternating`,
  );
  const servers = [
    await spawnServer<TokenServer>('client-credentials:bare'),
    await spawnServer<TokenServer>('client-credentials:onegate'),
  ] as const;
  const agent = new Agent({ keepAlive: true, maxSockets: WORKERS * servers.length });
  try {
    const [bareToken, onegateToken] = [
      await describeToken(agent, servers[0].info),
      await describeToken(agent, servers[1].info),
    ];
    const [bare, onegate] = (await alternate(
      [
        contender('bare oidc-provider, memory adapter', servers[0], agent),
        contender('OneGate, SQLite store', servers[1], agent),
      ],
      PLAN,
    )) as [Measured, Measured];
    report(bare, 'grants', `   (${bareToken})`);
    report(onegate, 'grants', `   (${onegateToken})`);
    const ratio = onegate.perSecond / bare.perSecond;
    const met = ratio >= TARGET;
    console.log(
      `  ratio OneGate/bare ${ratio.toFixed(2)}  (target >= ${TARGET}: ${met ? 'PASS' : 'BELOW TARGET'}); server CPU per grant ${(onegate.cpuMsPerOp / bare.cpuMsPerOp).toFixed(2)}× the bare one\n`,
    );
    return {
      name: 'client-credentials',
      ratio,
      target: `>= ${TARGET}`,
      met,
      errors: bare.failed + onegate.failed,
      note: `${formatRate(onegate.perSecond)} vs ${formatRate(bare.perSecond)} grants/s`,
    };
  } finally {
    agent.destroy();
    await Promise.all(servers.map((server) => server.stop()));
  }
}
