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
