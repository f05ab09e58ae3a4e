import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, loadConfig, startServer, type Extend, type RunningServer } from '../src/index.ts';

export interface TestServer extends RunningServer {
  /** Every log line written so far, parsed. */
  logs: Array<Record<string, unknown>>;
}

/** A real server on a free port over a fresh SQLite folder (or the given environment), logs captured. */
export async function startTestServer(
  env: Record<string, string> = {},
  extend?: Extend,
): Promise<TestServer> {
  const config = loadConfig({
    ONEGATE_PORT: '0',
    ONEGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'onegate-server-')),
    ONEGATE_LOG_LEVEL: 'debug',
    ...env,
  });
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const running = await startServer(config, {
    logger: createLogger(config, sink),
    ...(extend ? { extend } : {}),
  });
  return Object.assign(running, { logs });
}
