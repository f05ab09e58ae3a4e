/**
 * The audit log's group commits on SQLite, on a thread of their own. The
 * inserts and the commit's fsync block whichever thread runs them; here they
 * block this one, while the main thread validates and canonicalizes the next
 * events. Everything that reached the thread while it was committing goes
 * into its next transaction, so one fsync covers as much as can wait for it.
 * Its own connection to the same file, with the store's pragmas, and the
 * same `writeGroup` as on the main thread.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { SqliteStore } from '@onegate/store';
import { isAuditError } from '../errors.ts';
import type { Frontier } from './frontier.ts';
import { writeGroup } from './group-writer.ts';
import {
  fromMessage,
  toReply,
  type GroupRequest,
  type WriterMessage,
  type WriterReply,
} from './sqlite-writer-protocol.ts';

const { file, port, maxGroup } = workerData as { file: string; port: MessagePort; maxGroup: number };
const inbox: WriterMessage[] = [];
let store: SqliteStore | undefined;
let frontier: Frontier | undefined;
let running = false;

port.on('message', (message: WriterMessage) => {
  inbox.push(message);
  void run();
});

async function run(): Promise<void> {
  if (running) return;
  running = true;
  try {
    while (inbox.length > 0) {
      // What arrived during the last commit is already queued on the port: take it all now.
      for (let next = receiveMessageOnPort(port); next; next = receiveMessageOnPort(port)) {
        inbox.push(next.message as WriterMessage);
      }
      if (inbox[0] === 'close') {
        await store?.close();
        port.close();
        return;
      }
      const batch = takeBatch();
      for (const reply of await write(batch)) port.postMessage(reply);
    }
  } finally {
    running = false;
  }
}

/** The requests at the head of the inbox, up to `maxGroup` rows (the first one whatever its size). */
function takeBatch(): GroupRequest[] {
  const batch: GroupRequest[] = [];
  let rows = 0;
  for (let request = inbox[0]; request !== undefined && request !== 'close'; request = inbox[0]) {
    const size = request.calls.reduce((sum, call) => sum + call.rows.length, 0);
    if (batch.length > 0 && rows + size > maxGroup) break;
    batch.push(request);
    rows += size;
    inbox.shift();
  }
  return batch;
}

async function write(batch: GroupRequest[]): Promise<WriterReply[]> {
  try {
    store ??= new SqliteStore({ file });
    const groups = batch.map(fromMessage);
    // The newest request's clock: every call in it was made by then.
    const now = Math.max(...batch.map((request) => request.now));
    const result = await store.transaction((tx) => writeGroup(tx, frontier, groups.flat(), now));
    frontier = result.frontier;
    let at = 0;
    return batch.map((request, i) => {
      const outcomes = result.outcomes.slice(at, at + groups[i]!.length);
      at += groups[i]!.length;
      return toReply(request.id, outcomes);
    });
  } catch (err) {
    // Whatever the file holds now is the truth: the next group reloads the edge from it.
    frontier = undefined;
    const failure = isAuditError(err)
      ? { code: err.code, message: err.message }
      : { message: err instanceof Error ? err.message : String(err) };
    return batch.map((request) => ({ id: request.id, failure }));
  }
}
