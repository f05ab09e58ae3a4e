import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, startServer, type RunningServer } from '@onegate/server';

export interface DemoOneGate {
  issuer: string;
  server: RunningServer;
  /** The fresh data folder of this run (SQLite database, development keys); deleted by `stop`. */
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * OneGate in this process, as `onegate serve` would run it, on the embedded
 * SQLite store in a fresh folder under the OS temp dir: every run starts from
 * an empty realm with new keys, and nothing of it outlives the demo.
 */
export async function startOneGate(port: number, quiet: boolean): Promise<DemoOneGate> {
  const dataDir = mkdtempSync(join(tmpdir(), 'onegate-demo-'));
  const issuer = `http://localhost:${port}`;
  try {
    const config = loadConfig({
      ONEGATE_ENV: 'development',
      ONEGATE_PORT: String(port),
      ONEGATE_ISSUER: issuer,
      ONEGATE_DATA_DIR: dataDir,
      // Errors only: the demo's own console output is the guide; OneGate's JSON log lines would bury it.
      ONEGATE_LOG_LEVEL: quiet ? 'silent' : 'error',
    });
    const server = await startServer(config, { logger: createLogger(config) });
    return {
      issuer,
      server,
      dataDir,
      stop: async () => {
        await server.shutdown();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
