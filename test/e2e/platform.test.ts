import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { onegateBin as bin } from './support/serve-process.ts';

const postgresUrl = process.env['ONEGATE_TEST_DATABASE_URL'];
const schemas: string[] = [];

async function postgresSchema(): Promise<string> {
  const schema = `e2e_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  schemas.push(schema);
  const url = new URL(postgresUrl!);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

afterAll(async () => {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
});

const engines = postgresUrl ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);

describe.each(engines)('onegate serve on %s', (engine) => {
  it('starts, answers health and readiness, and stops cleanly on SIGTERM', async () => {
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', ONEGATE_PORT: '0' };
    if (engine === 'postgres') env['ONEGATE_DATABASE_URL'] = await postgresSchema();
    else env['ONEGATE_DATA_DIR'] = mkdtempSync(join(tmpdir(), 'onegate-e2e-'));
    const child = spawn(process.execPath, [bin, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`did not start: ${output}`)), 20_000);
        child.stdout.on('data', () => {
          const m = /"url":"([^"]+)".*"database":"(\w+)"/.exec(output);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      expect(output).toContain(`"database":"${engine}"`);
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
