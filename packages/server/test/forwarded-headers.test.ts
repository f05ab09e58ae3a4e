import { afterEach, describe, expect, it } from 'vitest';
import type { Extend } from '../src/index.ts';
import { startTestServer, type TestServer } from './start-test-server.ts';

/** Adds `/test/origin`: where Koa believes the request came from, and over what. */
const echoOrigin: Extend = (app) => {
  app.use(async (ctx, next) => {
    if (ctx.path !== '/test/origin') {
      await next();
      return;
    }
    ctx.body = { ip: ctx.ip, protocol: ctx.protocol, host: ctx.host };
  });
};

let running: TestServer | undefined;
afterEach(async () => {
  await running?.shutdown();
  running = undefined;
});

async function origin(trustedProxies: string): Promise<Record<string, string>> {
  running = await startTestServer(
    { ONEGATE_TRUST_PROXY: 'true', ONEGATE_TRUSTED_PROXIES: trustedProxies },
    echoOrigin,
  );
  const response = await fetch(`${running.url}/test/origin`, {
    headers: {
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
    },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, string>;
}

describe('X-Forwarded-* with named proxies (ASVS 4.1.3)', () => {
  it('are ignored from an address that is not one of the proxies', async () => {
    const seen = await origin('10.0.0.0/8');
    expect(seen['ip']).toBe('127.0.0.1');
    expect(seen['protocol']).toBe('http');
    expect(seen['host']).not.toBe('evil.example');
  });

  it('are believed from a named proxy', async () => {
    expect(await origin('127.0.0.1')).toMatchObject({ ip: '203.0.113.9', protocol: 'https' });
  });
});

/** The address Koa settles on for an X-Forwarded-For chain, as a proxy in front would pass it on. */
async function clientOf(env: Record<string, string>, chain: string): Promise<string> {
  running = await startTestServer({ ONEGATE_TRUST_PROXY: 'true', ...env }, echoOrigin);
  const response = await fetch(`${running.url}/test/origin`, { headers: { 'x-forwarded-for': chain } });
  expect(response.status).toBe(200);
  const seen = (await response.json()) as Record<string, string>;
  await running.shutdown();
  running = undefined;
  return seen['ip']!;
}

describe('an X-Forwarded-For chain (ASVS 15.3.4)', () => {
  // A client sends its own X-Forwarded-For; the proxy appends the address it was reached from.
  it('is read from the right, past the named proxies, so a client cannot choose its address', async () => {
    const proxies = { ONEGATE_TRUSTED_PROXIES: '127.0.0.1,10.0.0.0/8' };
    expect(await clientOf(proxies, '1.2.3.4, 198.51.100.7')).toBe('198.51.100.7');
    expect(await clientOf(proxies, '5.6.7.8, 198.51.100.7')).toBe('198.51.100.7');
    // Two proxies of ours in a row: the load balancer's own hop is skipped too.
    expect(await clientOf(proxies, '1.2.3.4, 198.51.100.7, 10.1.2.3')).toBe('198.51.100.7');
  });

  it('trusts one hop when no proxy is named: the address the proxy in front appended', async () => {
    expect(await clientOf({}, '1.2.3.4, 198.51.100.7')).toBe('198.51.100.7');
  });
});
