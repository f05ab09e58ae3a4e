import { createServer, createConnection, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@onegate/store/testing';
import { startTestServer, type TestServer } from './start-test-server.ts';

const postgresUrl = process.env['ONEGATE_TEST_DATABASE_URL'];

/** A TCP relay in front of PostgreSQL that the test can cut and restore, as a network failure would. */
class Relay {
  server: Server | undefined;
  readonly sockets = new Set<Socket>();
  port = 0;
  readonly target: URL;

  constructor(target: URL) {
    this.target = target;
  }

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = createConnection(Number(this.target.port || 5432), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server!.close(resolve));
  }
}

describe.runIf(postgresUrl)('/readyz on PostgreSQL', () => {
  let relay: Relay;
  let server: TestServer;

  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    relay = new Relay(new URL(postgresUrl!));
    await relay.start();
    const url = new URL(db.location.databaseUrl!);
    url.host = `127.0.0.1:${relay.port}`;
    server = await startTestServer({ ONEGATE_DATABASE_URL: url.toString() });
  });
  afterAll(async () => {
    await relay.cut().catch(() => undefined);
    await server?.shutdown();
    await db?.drop();
  });

  it('turns 503 while the database is unreachable and 200 once it is back', async () => {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    await relay.cut();
    const down = await fetch(`${server.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'not_ready', database: 'unreachable' });
    // Liveness is unaffected: restarting the process would not bring the database back.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await relay.start();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await fetch(`${server.url}/readyz`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });
});
