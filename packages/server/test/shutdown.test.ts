import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/serve-with-slow-route.ts', import.meta.url));

interface Serving {
  child: ChildProcess;
  url: string;
  exit: Promise<number | null>;
  output: () => string;
}

async function serve(env: Record<string, string> = {}): Promise<Serving> {
  const child = spawn(process.execPath, [fixture], {
    env: {
      PATH: process.env['PATH'] ?? '',
      ONEGATE_PORT: '0',
      ONEGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'onegate-shutdown-')),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 15_000);
    child.stdout.on('data', () => {
      const match = /"url":"([^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return { child, url, exit, output: () => output };
}

describe('SIGTERM', () => {
  let running: Serving | undefined;
  afterEach(() => {
    running?.child.kill('SIGKILL');
  });

  it('finishes the request in flight, refuses new connections, and exits 0', async () => {
    running = await serve();
    const inFlight = fetch(`${running.url}/test/slow?ms=1500`);
    await new Promise((r) => setTimeout(r, 300));
    running.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));

    const refused = await fetch(`${running.url}/healthz`).then(
      () => 'answered',
      (err: Error & { cause?: { code?: string } }) => err.cause?.code,
    );
    expect(refused).toBe('ECONNREFUSED');

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ finished: true });
    expect(await running.exit).toBe(0);
    expect(running.output()).toContain('"msg":"stopped"');
  });

  it('cuts a request that outlives the shutdown timeout, and still exits', async () => {
    running = await serve({ ONEGATE_SHUTDOWN_TIMEOUT_MS: '300' });
    const inFlight = fetch(`${running.url}/test/slow?ms=10000`).then(
      (r) => r.status,
      () => 'cut',
    );
    await new Promise((r) => setTimeout(r, 300));
    running.child.kill('SIGTERM');
    expect(await inFlight).toBe('cut');
    expect(await running.exit).toBe(0);
    expect(running.output()).toContain('shutdown timeout reached');
  });
});
