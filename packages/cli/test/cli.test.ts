import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/onegate.js', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function onegate(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const freshDataDir = () => mkdtempSync(join(tmpdir(), 'onegate-cli-'));

describe('onegate', () => {
  it('prints its version', async () => {
    const { code, stdout } = await onegate(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('lists its commands in --help', async () => {
    const { code, stdout } = await onegate(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/serve\s+run OneGate/);
    expect(stdout).toMatch(/migrate/);
  });

  it('refuses an unknown command with a hint, exit code 1', async () => {
    const { code, stderr } = await onegate(['serv']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/unknown command 'serv'/);
    expect(stderr).toMatch(/Did you mean serve\?/);
  });

  describe('migrate', () => {
    it('brings a fresh SQLite database up to date and says so', async () => {
      const dataDir = freshDataDir();
      const first = await onegate(['migrate', '--json'], { ONEGATE_DATA_DIR: dataDir });
      expect(first.code).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ database: 'sqlite' });
      const again = await onegate(['migrate'], { ONEGATE_DATA_DIR: dataDir });
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('database (sqlite) is up to date');
    });

    it('reports an unreachable PostgreSQL clearly', async () => {
      const { code, stderr } = await onegate(['migrate'], {
        ONEGATE_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      });
      expect(code).toBe(1);
      expect(stderr).toContain('onegate: the database cannot be reached [ERR_STORE_UNAVAILABLE]');
    });
  });

  describe('serve', () => {
    it('refuses bad configuration with a message naming the setting, exit code 2', async () => {
      const { code, stderr } = await onegate(['serve'], {
        ONEGATE_PORT: 'eighty',
        ONEGATE_DATA_DIR: freshDataDir(),
      });
      expect(code).toBe(2);
      expect(stderr).toMatch(/invalid configuration:\n\s+port \(ONEGATE_PORT\)/);
    });
  });
});
