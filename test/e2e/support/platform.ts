import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, startServer, type RunningServer } from '@onegate/server';
import { createTestDatabase, type TestDatabase } from '@onegate/store/testing';

export interface Platform {
  issuer: string;
  server: RunningServer;
  db: TestDatabase;
  /** The settings the server runs with, for `onegate` commands against the same platform. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A real OneGate on a free port, on the given engine, quiet unless ONEGATE_TEST_LOG is set. */
/** `issuerHost`: `localhost` where the browser needs a domain (WebAuthn refuses IP addresses as RP ID). */
export async function startPlatform(
  engine: 'sqlite' | 'postgres',
  env: Record<string, string> = {},
  issuerHost = '127.0.0.1',
): Promise<Platform> {
  const db = await createTestDatabase(engine);
  const port = await freePort();
  const scheme = env['ONEGATE_TLS_CERT'] ? 'https' : 'http';
  const issuer = `${scheme}://${issuerHost}:${port}`;
  const settings: Record<string, string> = {
    ONEGATE_PORT: String(port),
    ONEGATE_ISSUER: issuer,
    ONEGATE_DATA_DIR: db.location.dataDir ?? mkdtempSync(join(tmpdir(), 'onegate-e2e-')),
    ONEGATE_LOG_LEVEL: process.env['ONEGATE_TEST_LOG'] ? 'debug' : 'silent',
    ...(db.location.databaseUrl ? { ONEGATE_DATABASE_URL: db.location.databaseUrl } : {}),
    ...env,
  };
  const config = loadConfig(settings);
  const server = await startServer(config, { logger: createLogger(config) });
  return {
    issuer,
    server,
    db,
    env: settings,
    stop: async () => {
      await server.shutdown();
      await db.drop();
    },
  };
}
