import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '@onegate/store';
import { createTestDatabase } from '@onegate/store/testing';

const bin = fileURLToPath(new URL('../bin/onegate.js', import.meta.url));

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `onegate` as an operator would, with only PATH and `env` set; `input`
 * is written to its standard input (which is closed either way).
 */
export function onegate(args: string[], env: Record<string, string>, input?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    // The child may exit before reading (refused invocation): a broken pipe then is expected.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** Parses standard output as JSON, with the output in the error when it is not. */
export function json<T = Record<string, unknown>>(result: Result): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

export const freshDataDir = () => mkdtempSync(join(tmpdir(), 'onegate-cli-'));

/** Settings that pass production's checks, for testing what production refuses. */
export const productionEnv = {
  ONEGATE_ENV: 'production',
  ONEGATE_ISSUER: 'https://id.example',
  ONEGATE_METRICS_TOKEN: 'm'.repeat(40),
};

export interface CliDatabase {
  /** What `onegate` needs to reach the database; the master key lives in ONEGATE_DATA_DIR either way. */
  env: Record<string, string>;
  dataDir: string;
  /** A connection of the test's own to the same database. */
  open(): Promise<Store>;
  drop(): Promise<void>;
}

/** A fresh database on `engine`; with PostgreSQL, a fresh data folder for the master key too. */
export async function cliDatabase(engine: 'sqlite' | 'postgres'): Promise<CliDatabase> {
  const db = await createTestDatabase(engine);
  const { dataDir = freshDataDir(), databaseUrl } = db.location;
  return {
    env: { ONEGATE_DATA_DIR: dataDir, ...(databaseUrl ? { ONEGATE_DATABASE_URL: databaseUrl } : {}) },
    dataDir,
    open: () => db.open(),
    drop: async () => {
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
