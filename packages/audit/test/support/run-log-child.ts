import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from '@onegate/store/testing';

const child = fileURLToPath(new URL('./log-child.ts', import.meta.url));

export interface Ack {
  tag: string;
  first: number;
  count: number;
}

/**
 * Starts a log-child appending with `producers` concurrent producers and
 * SIGKILLs it `killAfterMs` after its first acknowledged append; resolves to every append it
 * acknowledged before dying.
 */
export function appendUntilKilled(
  db: TestDatabase,
  runTag: string,
  producers: number,
  killAfterMs: number,
): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, JSON.stringify(db.location), runTag, String(producers)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      // The clock starts at the first acknowledged append, not at start-up: on a loaded machine the
      // child may take longer than killAfterMs to append once, and a run with no ack proves nothing.
      if (!timer && stdout.startsWith('ready\n') && stdout.split('\n').length > 2) {
        timer = setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
      }
    });
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(deadline);
      clearTimeout(timer);
      if (signal !== 'SIGKILL' || !timer) {
        reject(new Error(`log child ended (${code ?? signal}) before it was killed: ${stderr}`));
        return;
      }
      // The last line may be cut short by the kill: only whole lines were acknowledged.
      const lines = stdout.split('\n').slice(1, -1);
      resolve(lines.map((line) => JSON.parse(line) as Ack));
    });
  });
}
