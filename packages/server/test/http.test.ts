import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './start-test-server.ts';

describe('the HTTP shell', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ ONEGATE_METRICS_TOKEN: 't'.repeat(40) }, (app) => {
      app.use(async (ctx, next) => {
        if (ctx.path === '/test/crash') throw new Error('database password is hunter2');
        await next();
      });
    });
  });
  afterAll(() => server?.shutdown());

  it('answers /healthz while the process lives', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz when the database answers', async () => {
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', database: 'ok' });
  });

  it('answers unknown paths with a JSON 404', async () => {
    const res = await fetch(`${server.url}/no/such/thing`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ error: 'not_found', error_description: 'no such endpoint' });
  });

  it('answers a crash with a bare 500 and keeps the detail in the log only', async () => {
    const res = await fetch(`${server.url}/test/crash`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: 'server_error', error_description: 'internal error' });
    expect(text).not.toContain('hunter2');
    const requestId = res.headers.get('x-request-id');
    expect(
      server.logs.find((l) => l['msg'] === 'request failed' && l['requestId'] === requestId),
    ).toBeDefined();
  });

  it('tags every response and log line with a request id, keeping a well-formed one from upstream', async () => {
    const fresh = await fetch(`${server.url}/healthz`);
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'proxy-abc-12345' } });
    expect(kept.headers.get('x-request-id')).toBe('proxy-abc-12345');
    const replaced = await fetch(`${server.url}/healthz`, {
      headers: { 'x-request-id': 'bad id\u00e9<script>' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.logs.some((l) => l['requestId'] === 'proxy-abc-12345' && l['path'] === '/healthz')).toBe(
      true,
    );
  });

  it('logs the path without the query string', async () => {
    await fetch(`${server.url}/healthz?resident_id=110101199003077777`);
    expect(server.logs.some((l) => l['path'] === '/healthz')).toBe(true);
    expect(JSON.stringify(server.logs)).not.toContain('110101199003077777');
  });

  it('sends headers that keep API answers out of caches and frames', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  describe('/metrics', () => {
    it('refuses a caller without the configured token', async () => {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toMatchObject({ error: 'unauthorized' });
    });

    it('serves Prometheus text with request counts by route', async () => {
      await fetch(`${server.url}/healthz`);
      const res = await fetch(`${server.url}/metrics`, {
        headers: { authorization: `Bearer ${'t'.repeat(40)}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toMatch(
        /onegate_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} \d+/,
      );
      expect(text).toContain('onegate_process_cpu_seconds_total');
    });
  });
});
