import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from './engines.ts';

const child = fileURLToPath(new URL('./fixtures/child.ts', import.meta.url));

/** Runs the fixture in a separate Node process (the same Node 24 as the tests) and resolves to its stdout. */
export function runChild(db: TestDatabase, action: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [child, JSON.stringify(db.location), action, ...args],
      { timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${action} failed: ${stderr}`)) : resolve(stdout)),
    );
  });
}
