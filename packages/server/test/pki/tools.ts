import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ServerError, type ServerErrorCode } from '../../src/index.ts';

/** Runs the openssl CLI (argv array, never a shell); resolves with the exit code and all output. */
export function openssl(args: string[], cwd?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('/usr/bin/openssl', args, { cwd }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/** A temporary directory with a `write` helper; `remove()` deletes it. */
export function tempDir(prefix: string): {
  dir: string;
  write(name: string, content: string | Buffer): string;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), `onegate-${prefix}-`));
  return {
    dir,
    write(name, content) {
      const file = join(dir, name);
      writeFileSync(file, content);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The ServerError `fn` throws, after checking its code. */
export function serverError(fn: () => unknown, code: ServerErrorCode): ServerError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).code).toBe(code);
    return err as ServerError;
  }
  throw new Error('nothing was thrown');
}
