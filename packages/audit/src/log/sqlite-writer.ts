import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { AuditError } from '../errors.ts';
import type { GroupCall } from './group-writer.ts';
import type { AppendResult } from './idempotency.ts';
import { fromWire, toMessage, type WriterReply } from './sqlite-writer-protocol.ts';

type Outcomes = Array<AppendResult | AuditError>;

interface Running {
  worker: Worker;
  port: MessagePort;
  waiting: Map<number, { resolve(o: Outcomes): void; reject(err: unknown): void }>;
}

/**
 * The main thread's end of the SQLite writer thread: `write` sends a group
 * and resolves, once the thread's transaction committed, with each call's
 * outcome; it rejects when nothing of the group was written. A thread that
 * dies fails the groups it held (their callers retry, as after any failed
 * commit) and the next group starts a new one.
 */
export class SqliteWriterThread {
  readonly #file: string;
  readonly #maxGroup: number;
  #running: Running | undefined;
  #nextId = 1;

  constructor(file: string, maxGroup: number) {
    this.#file = file;
    this.#maxGroup = maxGroup;
  }

  write(group: readonly GroupCall[], now: number): Promise<Outcomes> {
    const running = (this.#running ??= this.#start());
    const id = this.#nextId++;
    const message = toMessage(id, now, group);
    return new Promise<Outcomes>((resolve, reject) => {
      running.waiting.set(id, { resolve, reject });
      track(running);
      running.port.postMessage(message, [message.leaves]);
    });
  }

  /** Stops the thread at once, failing the groups it holds, as a crash of the thread would (tests use it). */
  async terminate(): Promise<void> {
    await this.#running?.worker.terminate();
  }

  /** Lets the thread finish what it was sent, then closes its connection and stops it. */
  async close(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    const exited = new Promise((resolve) => running.worker.once('exit', resolve));
    running.worker.ref();
    running.port.postMessage('close');
    await exited;
  }

  #start(): Running {
    // A port of our own rather than the worker's: the thread drains it synchronously between commits.
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(new URL('./sqlite-writer-thread.ts', import.meta.url), {
      workerData: { file: this.#file, port: port2, maxGroup: this.#maxGroup },
      transferList: [port2],
    });
    const running: Running = { worker, port: port1, waiting: new Map() };
    port1.on('message', (reply: WriterReply) => settle(running, reply));
    const stopped = (err: Error) => {
      if (this.#running === running) this.#running = undefined;
      port1.close();
      for (const waiting of running.waiting.values()) waiting.reject(err);
      running.waiting.clear();
    };
    worker.on('error', (err: Error) => stopped(err));
    worker.on('exit', () => stopped(new Error('the audit writer thread stopped')));
    // After the listeners: adding one refs the port again.
    track(running);
    return running;
  }
}

/** Idle, the thread must not keep the process alive; a write in flight does, as a socket would. */
function track(running: Running): void {
  if (running.waiting.size === 0) {
    running.worker.unref();
    running.port.unref();
  } else {
    running.worker.ref();
    running.port.ref();
  }
}

function settle(running: Running, reply: WriterReply): void {
  const waiting = running.waiting.get(reply.id);
  if (!waiting) return;
  running.waiting.delete(reply.id);
  track(running);
  if (reply.failure) {
    // An AuditError stays one; anything else is the store's, worded by the log like its own failures.
    waiting.reject(reply.failure.code ? fromWire(reply.failure) : new Error(reply.failure.message));
  } else {
    waiting.resolve(reply.outcomes!.map((o) => ('error' in o ? fromWire(o.error) : o)));
  }
}
