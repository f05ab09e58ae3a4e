import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

/** The `onegate` command exactly as `pnpm start` runs it. */
export const onegateBin = createRequire(import.meta.url)
  .resolve('@onegate/cli/package.json')
  .replace(/package\.json$/, 'bin/onegate.js');

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  stop(): Promise<number | null>;
}

/** Starts `onegate serve` in its own process and resolves once it listens. */
export async function serveProcess(env: Record<string, string>): Promise<ServeProcess> {
  const child = spawn(process.execPath, [onegateBin, 'serve'], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start: ${output}`)), 20_000);
    const check = () => {
      const m = /"url":"([^"]+)"/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', check);
    void exit.then(() => reject(new Error(`exited: ${output}`)));
  });
  return {
    child,
    url,
    stop: async () => {
      child.kill('SIGTERM');
      return exit;
    },
  };
}

/** Runs a one-shot `onegate` command and resolves to its stdout (rejects on a non-zero exit). */
export function onegate(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [onegateBin, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`onegate ${args.join(' ')}: ${err}`)),
    );
  });
}
