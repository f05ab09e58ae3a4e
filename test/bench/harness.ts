import { fork } from 'node:child_process';
import { request, type Agent, type IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** A benchmark's line in the final summary. */
export interface Outcome {
  name: string;
  /** OneGate against the peer or primitive it is compared with. */
  ratio: number;
  /** e.g. `>= 0.7` */
  target: string;
  met: boolean;
  /** Requests that did not end as they should; the figures are suspect when not 0. */
  errors: number;
  note: string;
}

/** One side of a comparison: a task run in a closed loop by `workers` concurrent workers. */
export interface Contender {
  label: string;
  workers: number;
  /** Resolves undefined on success, or a short label of what went wrong. */
  task: (worker: number) => Promise<string | undefined>;
  /** CPU time so far, in µs, of the process doing the work being compared. */
  cpuMicros: () => Promise<number>;
}

export interface Plan {
  warmupSeconds: number;
  rounds: number;
  roundSeconds: number;
}

export interface Measured {
  label: string;
  perSecond: number;
  /** CPU of the serving process per success: unlike a rate, barely moved by other load on the machine. */
  cpuMsPerOp: number;
  /** Failures over the whole run, warm-up included, by kind. */
  failures: Map<string, number>;
  failed: number;
}

/**
 * Warms each contender up, then alternates short rounds between them, so a
 * change in background load on the machine falls on both sides alike.
 */
export async function alternate(contenders: Contender[], plan: Plan): Promise<Measured[]> {
  const totals = contenders.map(() => ({ ok: 0, cpu: 0, failures: new Map<string, number>() }));
  for (const [i, c] of contenders.entries()) await loop(c, plan.warmupSeconds, totals[i]!.failures);
  for (let round = 0; round < plan.rounds; round++) {
    for (const [i, c] of contenders.entries()) {
      const total = totals[i]!;
      const cpu = await c.cpuMicros();
      total.ok += await loop(c, plan.roundSeconds, total.failures);
      total.cpu += (await c.cpuMicros()) - cpu;
    }
  }
  return contenders.map((c, i) => {
    const { ok, cpu, failures } = totals[i]!;
    return {
      label: c.label,
      perSecond: ok / (plan.rounds * plan.roundSeconds),
      cpuMsPerOp: cpu / 1000 / ok,
      failures,
      failed: [...failures.values()].reduce((sum, n) => sum + n, 0),
    };
  });
}

/** Runs the contender for `seconds`; returns its successes and adds its failures to `failures`. */
async function loop(c: Contender, seconds: number, failures: Map<string, number>): Promise<number> {
  const until = performance.now() + seconds * 1000;
  let ok = 0;
  const worker = async (index: number) => {
    while (performance.now() < until) {
      let failure: string | undefined;
      try {
        failure = await c.task(index);
      } catch (err) {
        failure = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
      if (failure !== undefined) failures.set(failure, (failures.get(failure) ?? 0) + 1);
      // A request still running when time is up completes after `until` and is not counted.
      else if (performance.now() < until) ok++;
    }
  };
  await Promise.all(Array.from({ length: c.workers }, (_, index) => worker(index)));
  return ok;
}

/** Prints a contender's line, and its failures if any: a benchmark with errors measured something else. */
export function report(m: Measured, unit: string, extra = ''): void {
  console.log(
    `  ${m.label.padEnd(34)} ${formatRate(m.perSecond).padStart(7)} ${unit}/s   ${m.cpuMsPerOp.toFixed(2).padStart(6)} ms CPU each${extra}`,
  );
  if (m.failed === 0) return;
  console.log(`    !! ${m.failed} failed:`);
  for (const [kind, n] of m.failures) console.log(`       ${n} × ${kind}`);
}

/** CPU time of this process, in µs. */
export async function ownCpuMicros(): Promise<number> {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** A POST over a keep-alive agent, with node:http directly: the lightest client, so the server is what is measured. */
export async function post(
  agent: Agent,
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: string }> {
  const { status, body: text } = await exchange(agent, url, 'POST', headers, body);
  return { status, body: text };
}

/** One request over a keep-alive agent, with node:http directly (see post). */
export function exchange(
  agent: Agent,
  url: URL,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method,
        headers:
          body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface ServerProcess<T> {
  info: T;
  /** CPU time so far of the server process, in µs. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts a server role of serve.ts in its own process, so the server and the
 * load generator each have an event loop (and here, a core) of their own.
 * BENCH_CPU_PROF=<dir> writes a CPU profile of each server process there.
 */
export async function spawnServer<T>(role: string): Promise<ServerProcess<T>> {
  const profileDir = process.env['BENCH_CPU_PROF'];
  const child = fork(fileURLToPath(new URL('./serve.ts', import.meta.url)), [role], {
    execArgv: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const next = <K extends keyof ServeMessage>(key: K) =>
    new Promise<ServeMessage[K]>((resolve, reject) => {
      const onMessage = (message: Partial<ServeMessage>) => {
        if (!(key in message)) return;
        child.off('message', onMessage);
        resolve(message[key]!);
      };
      child.on('message', onMessage);
      void exited.then((code) => reject(new Error(`server ${role} exited with ${code}`)));
    });
  const info = (await next('ready')) as T;
  return {
    info,
    cpuMicros: () => {
      child.send('cpu');
      return next('cpu');
    },
    stop: async () => {
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** What serve.ts sends its parent: its connection details once, then CPU readings when asked. */
export interface ServeMessage {
  ready: unknown;
  cpu: number;
}

export function formatRate(perSecond: number): string {
  return perSecond >= 100 ? Math.round(perSecond).toLocaleString('en') : perSecond.toFixed(1);
}
