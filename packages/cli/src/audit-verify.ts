import { timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import {
  consistencyProof,
  emptyRoot,
  HASH_BYTES,
  leafHash,
  MAX_LEAF_BYTES,
  nodeHash,
  openCheckpoint,
  readHead,
  readNodes,
  rootAt,
  verifyConsistency,
  verifyStoredLog,
  type AuditService,
  type Checkpoint,
  type NodeReader,
  type NoteVerifier,
} from '@onegate/audit';
import type { Store } from '@onegate/store';

/** One thing that did not verify; `firstBadIndex` when it points at entries. */
export interface VerifyFailure {
  check: 'entries' | 'checkpoint' | 'consistency' | 'export';
  /** The checkpoint's tree size, for checkpoint and consistency failures. */
  size?: number;
  firstBadIndex?: number;
  reason: string;
}

export interface VerifyReport {
  ok: boolean;
  /** Entries recomputed. */
  size: number;
  /** The recomputed root, base64. */
  root: string;
  seconds: number;
  entriesPerSecond: number;
  /** Checkpoints checked (signature, root, consistency with the one before). */
  checkpoints: number;
  /** The smallest index any failure points at: no entry below it is known to be bad. */
  firstBadIndex?: number;
  failures: VerifyFailure[];
}

/**
 * The whole stored log, as an auditor would check it: every leaf, node and
 * the head recomputed from the stored leaves (`verifyStoredLog`); then every
 * stored checkpoint: signed by one of `verifiers`, its root equal to the
 * tree head of its size recomputed from the stored nodes, and consistent with
 * the checkpoint before it (an RFC 9162 consistency proof, as a monitor
 * checks). A signed checkpoint is what a database writer cannot forge: it
 * catches a log rewritten whole (leaves, nodes and head recomputed) or cut
 * short, which the stored tree alone cannot show.
 */
export async function verifyStored(
  store: Store,
  audit: AuditService,
  verifiers: readonly NoteVerifier[],
): Promise<VerifyReport> {
  const started = performance.now();
  const verdict = await verifyStoredLog(store);
  const seconds = (performance.now() - started) / 1000;
  const failures: VerifyFailure[] = [];
  if (!verdict.ok) {
    failures.push({ check: 'entries', firstBadIndex: verdict.firstBadIndex, reason: verdict.reason });
  }
  const checked = await verifyCheckpoints(store, audit, verifiers, failures);
  const indexes = failures.flatMap((f) => (f.firstBadIndex === undefined ? [] : [f.firstBadIndex]));
  return {
    ok: failures.length === 0,
    size: verdict.size,
    root: verdict.ok ? verdict.root.toString('base64') : '',
    seconds,
    entriesPerSecond: seconds > 0 ? verdict.size / seconds : verdict.size,
    checkpoints: checked,
    ...(indexes.length > 0 ? { firstBadIndex: Math.min(...indexes) } : {}),
    failures,
  };
}

async function verifyCheckpoints(
  store: Store,
  audit: AuditService,
  verifiers: readonly NoteVerifier[],
  failures: VerifyFailure[],
): Promise<number> {
  const read: NodeReader = (keys) => readNodes(store, keys);
  const rows = await audit.checkpoints();
  // Read after the checkpoints: a checkpoint never covers more than the head it was signed from.
  const { size: headSize } = await readHead(store);
  /** The largest checkpoint whose root matched: every entry below it is intact. */
  let intactUpTo = 0;
  let previous: Checkpoint | undefined;
  let previousMatched = false;
  for (const row of rows) {
    const fail = (reason: string, firstBadIndex?: number) => {
      failures.push({
        check: 'checkpoint',
        size: row.size,
        ...(firstBadIndex === undefined ? {} : { firstBadIndex }),
        reason,
      });
    };
    let checkpoint: Checkpoint;
    try {
      checkpoint = openCheckpoint(row.note, verifiers);
    } catch {
      fail('its signature does not verify with any known checkpoint key');
      continue;
    }
    if (checkpoint.size !== row.size) {
      fail(`the signed note says size ${checkpoint.size}, not the size it is stored under`);
      continue;
    }
    let matched = false;
    if (checkpoint.size > headSize) {
      fail(
        `it covers ${checkpoint.size} entries but the log holds ${headSize}: entries were removed from index ${headSize}`,
        headSize,
      );
    } else {
      const root = await rootAt(checkpoint.size, read).catch(() => undefined);
      if (!root) {
        fail('the stored tree lacks the nodes of its tree head', intactUpTo);
      } else if (!sameBytes(root, checkpoint.root)) {
        fail(
          `its root differs from the stored tree of that size: an entry from index ${intactUpTo} to ${checkpoint.size - 1} was changed`,
          intactUpTo,
        );
      } else {
        matched = true;
        intactUpTo = Math.max(intactUpTo, checkpoint.size);
      }
    }
    // Where a root already failed, an inconsistency says nothing new.
    if (previous && previous.size > 0 && matched && previousMatched) {
      const proof = await consistencyProof(previous.size, checkpoint.size, read).catch(() => undefined);
      try {
        if (!proof) throw new Error('no proof');
        verifyConsistency(previous.size, checkpoint.size, proof, previous.root, checkpoint.root);
      } catch {
        failures.push({
          check: 'consistency',
          size: checkpoint.size,
          reason: `the checkpoints of sizes ${previous.size} and ${checkpoint.size} are not consistent: the log forked`,
        });
      }
    }
    previous = checkpoint;
    previousMatched = matched;
  }
  return rows.length;
}

export interface ExportVerifyReport extends Omit<VerifyReport, 'checkpoints'> {
  /** The checkpoint's tree size: how many leaves of the export were hashed. */
  checkpointSize: number;
  /** Lines of the export read (it may hold more than the checkpoint covers). */
  linesRead: number;
  /** Entries whose body retention removed: their leaf hash, taken as given, stands for them. */
  pruned: number;
}

/**
 * Offline, no database: the root of the first `checkpoint.size` leaves of a
 * leaves export (`{"index": i, "leaf": base64}` per line, in index order),
 * compared with the root of a checkpoint already opened with a trusted key.
 */
export async function verifyExport(file: string, checkpoint: Checkpoint): Promise<ExportVerifyReport> {
  const started = performance.now();
  const tree = new RootBuilder();
  const failures: VerifyFailure[] = [];
  let line = 0;
  let pruned = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const text of lines) {
    if (tree.size === checkpoint.size) break;
    line++;
    const parsed = parseLeafLine(text, tree.size);
    if (typeof parsed === 'string') {
      failures.push({ check: 'export', firstBadIndex: tree.size, reason: `line ${line}: ${parsed}` });
      break;
    }
    if (parsed.pruned) pruned++;
    tree.push(parsed.hash);
  }
  lines.close();
  const seconds = (performance.now() - started) / 1000;
  if (failures.length === 0 && tree.size < checkpoint.size) {
    failures.push({
      check: 'export',
      firstBadIndex: tree.size,
      reason: `the export holds ${tree.size} entries, the checkpoint covers ${checkpoint.size}`,
    });
  }
  const root = tree.root();
  if (failures.length === 0 && !sameBytes(root, checkpoint.root)) {
    failures.push({
      check: 'export',
      reason: `the first ${checkpoint.size} entries of the export do not hash to the checkpoint's root: an entry was changed, removed, added or moved`,
    });
  }
  return {
    ok: failures.length === 0,
    size: tree.size,
    root: root.toString('base64'),
    seconds,
    entriesPerSecond: seconds > 0 ? tree.size / seconds : tree.size,
    checkpointSize: checkpoint.size,
    linesRead: line,
    pruned,
    ...(failures[0]?.firstBadIndex === undefined ? {} : { firstBadIndex: failures[0].firstBadIndex }),
    failures,
  };
}

/**
 * The leaf hash of one export line, or what is wrong with it: SHA-256(0x00 ‖
 * leaf) of `{"index", "leaf"}`; the given hash of a pruned entry's
 * `{"index", "leafHash", "pruned": true}`.
 */
function parseLeafLine(text: string, index: number): { hash: Buffer; pruned: boolean } | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON (export with --format leaves)';
  }
  const line = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (line['index'] !== index) return `expected the entry of index ${index}`;
  if (line['pruned'] === true) {
    const hash = strictBase64(line['leafHash']);
    if (hash?.length !== HASH_BYTES) return 'a pruned entry needs its 32-byte "leafHash" in base64';
    return { hash, pruned: true };
  }
  const leaf = strictBase64(line['leaf']);
  if (!leaf) return 'no base64 "leaf" (export with --format leaves)';
  if (leaf.length > MAX_LEAF_BYTES) return `the leaf is larger than ${MAX_LEAF_BYTES} bytes`;
  return { hash: leafHash(leaf), pruned: false };
}

/** One spelling per byte string: Node's decoder skips what is not base64, so re-encode and compare. */
function strictBase64(text: unknown): Buffer | undefined {
  if (typeof text !== 'string') return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/**
 * The RFC 9162 root of leaf hashes pushed in order, in O(log n) memory: one
 * complete subtree per set bit of the size, merged like a binary carry.
 */
class RootBuilder {
  size = 0;
  readonly #edge: Buffer[] = [];

  push(hash: Buffer): void {
    let node = hash;
    let level = 0;
    for (let below = this.size; below % 2 === 1; below = (below - 1) / 2) {
      node = nodeHash(this.#edge[level]!, node);
      level++;
    }
    this.#edge[level] = node;
    this.size++;
  }

  root(): Buffer {
    let root: Buffer | undefined;
    let bits = this.size;
    for (let level = 0; bits > 0; level++, bits = Math.floor(bits / 2)) {
      if (bits % 2 === 1) root = root ? nodeHash(this.#edge[level]!, root) : this.#edge[level]!;
    }
    return root ?? emptyRoot();
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
