/**
 * The audit log on the embedded store (SQLite, WAL, synchronous=FULL: every
 * acknowledged append is on disk). Durable single-event appends from many
 * concurrent producers (group commit) through `AuditService.append` and
 * `MerkleLog.append`, beside raw node:sqlite inserts of the same rows into
 * the same schema with the same settings (one row per transaction, and 1,000
 * per transaction), in alternating rounds of one run. Then a log of 1M
 * entries: inclusion and consistency proofs, and a full verification beside
 * a raw read-and-hash of every leaf. 10M only with ONEGATE_BENCH_AUDIT_10M=1.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import {
  auditMigrations,
  AuditService,
  canonicalJson,
  CheckpointKeys,
  leafHash,
  MAX_ENTRIES_PER_APPEND,
  MerkleLog,
  verifyConsistency,
  verifyInclusion,
  verifyStoredLog,
  type EventFilter,
  type KeySealer,
} from '@onegate/audit';
import { privacyMasker } from '@onegate/server';
import { openStore, type Store } from '@onegate/store';
import {
  alternate,
  formatRate,
  ownCpuMicros,
  report,
  type Contender,
  type Measured,
  type Outcome,
} from './harness.ts';

const TARGET_EVENTS = 50_000;
const TARGET_PROOF_MS = 1;
const PRODUCERS = [64, 512];
const INLINE_PRODUCERS = 512;
const RAW_BATCH = 1000;
const PLAN = { warmupSeconds: 0.5, rounds: 4, roundSeconds: 1 };
const PROOF_SIZE = 1_000_000;
const BIG_SIZE = 10_000_000;
const BIG = process.env['ONEGATE_BENCH_AUDIT_10M'] === '1';
const PROOFS = 2000;
const ORIGIN = 'bench.onegate.example/audit';

/** The checkpoint key stays in memory: nothing here signs on a schedule. */
const memorySealer: KeySealer = {
  seal: async (plaintext) => plaintext.toString('base64'),
  open: async (sealed) => Buffer.from(sealed, 'base64'),
};

/** What a government app writes when a clerk opens a citizen's record. */
const event = (n: number) => ({
  actor: { type: 'user', id: `clerk-${n % 5000}`, department: 'civil-affairs-hz' },
  action: 'record.read',
  target: {
    resource: `civil-affairs-hz/marriage/${100_000 + n}`,
    subject: `citizen-${(n * 7919) % 1_000_000}`,
  },
  outcome: 'success',
  source: { address: '10.20.30.40', clientId: 'marriage-registry' },
  purpose: 'case-handling',
  requestId: `req-${n}`,
  details: { fields: ['name', 'id_number'], reason: 'registration review' },
});

export async function run(): Promise<Outcome> {
  const dir = mkdtempSync(join(process.env['ONEGATE_BENCH_DIR'] ?? tmpdir(), 'onegate-bench-audit-'));
  console.log(`audit log: durable appends on SQLite (WAL, synchronous=FULL) in ${dir}`);
  try {
    const appends = await measureAppends(dir);
    const proofs = await measureProofs(dir);
    const best = Math.max(...appends.service.map((m) => m.perSecond));
    const ratio = appends.service.at(-1)!.perSecond / appends.rawBatch.perSecond;
    const proofMs = (proofs.big ?? proofs.base).inclusion.p50;
    const met = best >= TARGET_EVENTS && proofMs <= TARGET_PROOF_MS;
    console.log(
      `  target >= ${formatRate(TARGET_EVENTS)} durable events/s: ${best >= TARGET_EVENTS ? 'PASS' : 'BELOW TARGET'} (${formatRate(best)}/s); ` +
        `inclusion proof <= ${TARGET_PROOF_MS} ms at ${proofs.big ? '10M' : '1M (10M not built)'}: ${proofMs <= TARGET_PROOF_MS ? 'PASS' : 'BELOW TARGET'} (p50 ${proofMs.toFixed(3)} ms)\n`,
    );
    return {
      name: 'audit-log',
      ratio,
      target: '>= 50k/s',
      met,
      errors: appends.errors + proofs.errors,
      note:
        `${appends.service.map((m, i) => `${formatRate(m.perSecond)}/s with ${PRODUCERS[i]} producers`).join(', ')} ` +
        `(raw ${formatRate(appends.rawSingle.perSecond)}/s one per tx, ${formatRate(appends.rawBatch.perSecond)}/s ${RAW_BATCH} per tx); ` +
        `proof p50 ${proofs.base.inclusion.p50.toFixed(3)} ms at 1M${proofs.big ? `, ${proofs.big.inclusion.p50.toFixed(3)} ms at 10M` : ''}; ` +
        `verify ${formatRate(proofs.verifyPerSecond)} entries/s; ` +
        `slowest search page ${proofs.slowestQueryMs.toFixed(0)} ms at ${proofs.big ? '10M' : '1M'}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- (a), (b): durable appends beside raw inserts

interface AppendFigures {
  service: Measured[];
  rawSingle: Measured;
  rawBatch: Measured;
  errors: number;
}

async function measureAppends(dir: string): Promise<AppendFigures> {
  const serviceStore = await auditStore(join(dir, 'service'));
  const inlineStore = await auditStore(join(dir, 'inline'));
  const logStore = await auditStore(join(dir, 'log'));
  const rawDb = await rawDatabase(join(dir, 'raw'));
  try {
    const audit = new AuditService({
      store: serviceStore,
      log: new MerkleLog(serviceStore),
      keys: new CheckpointKeys(serviceStore, memorySealer, ORIGIN),
      origin: ORIGIN,
      masker: privacyMasker,
      checkpointIntervalMs: 0,
      pruneIntervalMs: 0,
    });
    // The same service with groups written on the main thread, as before the writer thread.
    const inline = new AuditService({
      store: inlineStore,
      log: new MerkleLog(inlineStore, { writerThread: false }),
      keys: new CheckpointKeys(inlineStore, memorySealer, ORIGIN),
      origin: ORIGIN,
      masker: privacyMasker,
      checkpointIntervalMs: 0,
      pruneIntervalMs: 0,
    });
    const log = new MerkleLog(logStore);
    let n = 0;
    const writer = { clientId: 'marriage-registry' };
    const leaf = canonicalJson({ v: 1, ...event(0), time: new Date().toISOString() });
    // The columns the service indexes for the same event: who and whose data vary per row, so the
    // actor and subject indexes take each row at its own place, as they do for real events.
    const columnsOf = (e: ReturnType<typeof event>) => ({
      action: e.action,
      actor: e.actor.id,
      subject: e.target.subject,
      outcome: e.outcome,
      department: e.actor.department,
      clientId: e.source.clientId,
      purpose: e.purpose,
    });
    const raw = rawInserts(rawDb, leaf);

    const contenders: Contender[] = [
      ...PRODUCERS.map((workers): Contender => ({
        label: `AuditService.append, ${workers} producers`,
        workers,
        task: async () => void (await audit.append([event(n++)], writer)),
        cpuMicros: ownCpuMicros,
      })),
      {
        label: `AuditService.append, no writer thread, ${INLINE_PRODUCERS} producers`,
        workers: INLINE_PRODUCERS,
        task: async () => void (await inline.append([event(n++)], writer)),
        cpuMicros: ownCpuMicros,
      },
      ...PRODUCERS.map((workers): Contender => ({
        label: `MerkleLog.append, ${workers} producers`,
        workers,
        task: async () => void (await log.append([{ leaf, columns: columnsOf(event(n++)) }])),
        cpuMicros: ownCpuMicros,
      })),
      {
        label: 'raw insert, 1 row per transaction',
        workers: 1,
        task: async () => raw.single(),
        cpuMicros: ownCpuMicros,
      },
      {
        label: `raw insert, ${RAW_BATCH} rows per transaction`,
        workers: 1,
        task: async () => raw.batch(RAW_BATCH),
        cpuMicros: ownCpuMicros,
      },
    ];
    const measured = await alternate(contenders, PLAN);
    const service = measured.slice(0, PRODUCERS.length);
    const inlined = measured[PRODUCERS.length]!;
    const merkle = measured.slice(PRODUCERS.length + 1, 2 * PRODUCERS.length + 1);
    const rawSingle = measured[2 * PRODUCERS.length + 1]!;
    // A batch task wrote RAW_BATCH rows.
    const rawBatch = {
      ...measured[2 * PRODUCERS.length + 2]!,
      perSecond: measured[2 * PRODUCERS.length + 2]!.perSecond * RAW_BATCH,
      cpuMsPerOp: measured[2 * PRODUCERS.length + 2]!.cpuMsPerOp / RAW_BATCH,
    };
    const versus = (m: Measured) =>
      `   ${(m.perSecond / rawSingle.perSecond).toFixed(1)}× one-per-tx, ${(m.perSecond / rawBatch.perSecond).toFixed(2)}× batched`;
    for (const m of [...service, inlined, ...merkle]) report(m, 'events', versus(m));
    console.log(
      `  the writer thread: ${(service.at(-1)!.perSecond / inlined.perSecond).toFixed(2)}× the same service writing groups inline, ${INLINE_PRODUCERS} producers`,
    );
    report(rawSingle, 'rows');
    report(rawBatch, 'rows');
    const verdicts = await Promise.all(
      [serviceStore, inlineStore, logStore].map((store) => verifyStoredLog(store)),
    );
    const broken = verdicts.filter((v) => !v.ok).length;
    console.log(
      `  logs written: ${verdicts.map((v) => v.size.toLocaleString('en')).join(', ')} entries, ${broken === 0 ? 'all verify' : `${broken} DO NOT VERIFY`}`,
    );
    return {
      service,
      rawSingle,
      rawBatch,
      errors: measured.reduce((sum, m) => sum + m.failed, 0) + broken,
    };
  } finally {
    rawDb.close();
    await serviceStore.close();
    await inlineStore.close();
    await logStore.close();
  }
}

async function auditStore(dataDir: string): Promise<Store> {
  const store = await openStore({ dataDir });
  await store.migrate(auditMigrations);
  return store;
}

/**
 * The same schema (the audit migrations: the entries table and its seven
 * indexes) and the same settings as the store's SQLite connection, driven
 * straight through node:sqlite: the floor under any log on this engine.
 */
async function rawDatabase(dataDir: string): Promise<DatabaseSync> {
  await (await auditStore(dataDir)).close();
  const db = new DatabaseSync(join(dataDir, 'onegate.db'));
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA secure_delete = ON');
  return db;
}

/** The entry rows the service writes for `event(n)` (not the tree's nodes): the floor under its appends. */
function rawInserts(db: DatabaseSync, leaf: Buffer) {
  const hash = leafHash(leaf);
  const insert: StatementSync = db.prepare(
    `INSERT INTO audit_entries (idx, leaf, leaf_hash, at, action, actor, subject, outcome, department, client_id, purpose)
     VALUES (?, ?, ?, ?, 'record.read', ?, ?, 'success', 'civil-affairs-hz', 'marriage-registry', 'case-handling')`,
  );
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  let idx = 0;
  const row = (now: number) => {
    const e = event(idx);
    insert.run(idx++, leaf, hash, now, e.actor.id, e.target.subject);
  };
  return {
    single(): undefined {
      begin.run();
      row(Date.now());
      commit.run();
      return undefined;
    },
    batch(rows: number): undefined {
      begin.run();
      const now = Date.now();
      for (let i = 0; i < rows; i++) row(now);
      commit.run();
      return undefined;
    },
  };
}

// ---- (c), (d): proofs and verification on a large log

interface ProofTimes {
  size: number;
  inclusion: { p50: number; p99: number };
  consistency: { p50: number; p99: number };
}

async function measureProofs(dir: string): Promise<{
  base: ProofTimes;
  big?: ProofTimes;
  verifyPerSecond: number;
  errors: number;
  slowestQueryMs: number;
}> {
  const dataDir = join(dir, 'proofs');
  const store = await auditStore(dataDir);
  try {
    const log = new MerkleLog(store, { maxGroupEntries: 4 * MAX_ENTRIES_PER_APPEND });
    const audit = new AuditService({
      store,
      log,
      keys: new CheckpointKeys(store, memorySealer, ORIGIN),
      origin: ORIGIN,
      checkpointIntervalMs: 0,
      pruneIntervalMs: 0,
    });
    const buildRate = await build(log, 0, PROOF_SIZE);
    console.log(
      `  built a log of ${PROOF_SIZE.toLocaleString('en')} entries in batches of ${MAX_ENTRIES_PER_APPEND.toLocaleString('en')}: ${formatRate(buildRate)} entries/s`,
    );
    let errors = 0;
    const base = await timeProofs(audit, PROOF_SIZE, () => errors++);
    const baseQueries = await timeQueries(audit, PROOF_SIZE);

    let started = performance.now();
    const verdict = await verifyStoredLog(store);
    const verifySeconds = (performance.now() - started) / 1000;
    if (!verdict.ok) errors++;
    started = performance.now();
    const hashed = rawScan(join(dataDir, 'onegate.db'));
    const rawSeconds = (performance.now() - started) / 1000;
    const verifyPerSecond = verdict.size / verifySeconds;
    console.log(
      `  verifyStoredLog: ${formatRate(verifyPerSecond)} entries/s (${verifySeconds.toFixed(1)} s, ${verdict.ok ? 'ok' : 'FAILED'}); raw read + SHA-256 of every leaf ${formatRate(hashed / rawSeconds)}/s: ratio ${(verifyPerSecond / (hashed / rawSeconds)).toFixed(2)}`,
    );

    let big: ProofTimes | undefined;
    let bigQueries: QueryTime[] | undefined;
    const bigSeconds = (BIG_SIZE - PROOF_SIZE) / buildRate;
    if (BIG) {
      const rate = await build(log, PROOF_SIZE, BIG_SIZE);
      console.log(
        `  grew the log to ${BIG_SIZE.toLocaleString('en')} entries: ${formatRate(rate)} entries/s`,
      );
      big = await timeProofs(audit, BIG_SIZE, () => errors++);
      bigQueries = await timeQueries(audit, BIG_SIZE);
    } else {
      console.log(
        `  10M entries: not built (about ${Math.round(bigSeconds / 60)} min here at this rate); set ONEGATE_BENCH_AUDIT_10M=1 to measure proofs at 10M. A proof is one read whatever the size: 2 more levels of path at 10M than at 1M.`,
      );
    }
    const slowest = Math.max(...(bigQueries ?? baseQueries).map((t) => t.max));
    return { base, ...(big ? { big } : {}), verifyPerSecond, errors, slowestQueryMs: slowest };
  } finally {
    await store.close();
  }
}

/** Appends entries `from` to `to - 1`, four calls of 10,000 per group transaction; returns entries/s. */
async function build(log: MerkleLog, from: number, to: number): Promise<number> {
  const started = performance.now();
  let next = from;
  while (next < to) {
    const calls: Promise<unknown>[] = [];
    for (let k = 0; k < 4 && next < to; k++) {
      const first = next;
      const count = Math.min(MAX_ENTRIES_PER_APPEND, to - first);
      calls.push(
        log.append(
          Array.from({ length: count }, (_, j) => ({
            leaf: Buffer.from(JSON.stringify(event(first + j))),
            columns: columnsOf(first + j),
          })),
        ),
      );
      next += count;
    }
    await Promise.all(calls);
  }
  return (to - from) / ((performance.now() - started) / 1000);
}

/** Indexed columns as events spread over a year would have them: 5,000 clerks, 1M citizens, 50 departments. */
const DEPARTMENTS = Array.from({ length: 50 }, (_, i) => `department-${i}`);
const PURPOSES = ['case-handling', 'benefit-review', 'fraud-investigation', 'statistics', 'court-order'];
const YEAR_START = Date.UTC(2026, 0, 1);
function columnsOf(n: number) {
  return {
    at: YEAR_START + Math.floor(n * 3.1536),
    action: n % 10 === 0 ? 'record.decrypt' : 'record.read',
    actor: `clerk-${n % 5000}`,
    subject: `citizen-${(n * 7919) % 1_000_000}`,
    outcome: n % 97 === 0 ? 'denied' : 'success',
    department: DEPARTMENTS[n % 50]!,
    clientId: `app-${n % 200}`,
    // One purpose in 10,000 is rare: the worst case for a filter on it.
    purpose: n % 10_000 === 0 ? 'court-order' : PURPOSES[n % 4]!,
  };
}

interface QueryTime {
  name: string;
  p50: number;
  max: number;
}

/** First pages (50 events, newest first) as an officer's search asks for them, through AuditService.query. */
async function timeQueries(audit: AuditService, size: number): Promise<QueryTime[]> {
  const span = size * 3.1536;
  const filters: Array<[string, (k: number) => EventFilter]> = [
    ['one clerk', (k) => ({ actor: `clerk-${(k * 37) % 5000}` })],
    ['one citizen', (k) => ({ subject: `citizen-${(k * 7919 * 13) % 1_000_000}` })],
    [
      'action in one day',
      (k) => {
        const from = YEAR_START + Math.floor(((k * 0.137) % 1) * (span - 86_400_000));
        return { action: 'record.decrypt', from, to: from + 86_400_000 };
      },
    ],
    ['one department', (k) => ({ department: DEPARTMENTS[k % 50]! })],
    ['denied in one department', (k) => ({ department: DEPARTMENTS[k % 50]!, outcome: 'denied' })],
    ['one app and purpose', (k) => ({ clientId: `app-${k % 200}`, purpose: PURPOSES[k % 4]! })],
    ['rare purpose', () => ({ purpose: 'court-order' })],
  ];
  const times: QueryTime[] = [];
  for (const [name, filter] of filters) {
    const samples: number[] = [];
    for (let k = 0; k < 20; k++) {
      const started = performance.now();
      const page = await audit.query(filter(k), { limit: 50 });
      samples.push(performance.now() - started);
      if (page.events.length === 0 && name !== 'action in one day')
        throw new Error(`query "${name}" found nothing`);
    }
    samples.sort((a, b) => a - b);
    times.push({ name, p50: samples[Math.floor(samples.length / 2)]!, max: samples.at(-1)! });
  }
  console.log(
    `  search, first page of 50 at ${size.toLocaleString('en')} entries (p50 / max of 20 ms): ` +
      times.map((t) => `${t.name} ${t.p50.toFixed(1)} / ${t.max.toFixed(1)}`).join('; '),
  );
  return times;
}

/** Proofs at random places, one at a time as an API call makes them, each checked (untimed). */
async function timeProofs(audit: AuditService, size: number, failed: () => void): Promise<ProofTimes> {
  const inclusion: number[] = [];
  const consistency: number[] = [];
  let seed = 12345;
  const random = (below: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * below);
  };
  for (let i = 0; i < PROOFS; i++) {
    const index = random(size);
    let started = performance.now();
    const proof = await audit.inclusionProof(index, size);
    inclusion.push(performance.now() - started);
    const from = 1 + random(size - 1);
    started = performance.now();
    const older = await audit.consistencyProof(from, size);
    consistency.push(performance.now() - started);
    try {
      const b = (s: string) => Buffer.from(s, 'base64');
      verifyInclusion(b(proof.leafHash!), index, size, proof.hashes.map(b), b(proof.root));
      const oldRoot = await audit.inclusionProof(0, from).then((p) => b(p.root));
      verifyConsistency(from, size, older.hashes.map(b), oldRoot, b(older.root));
    } catch {
      failed();
    }
  }
  const times = { size, inclusion: percentiles(inclusion), consistency: percentiles(consistency) };
  console.log(
    `  at ${size.toLocaleString('en')} entries (${PROOFS} random, each verified): inclusion proof p50 ${times.inclusion.p50.toFixed(3)} ms, p99 ${times.inclusion.p99.toFixed(3)} ms; consistency proof p50 ${times.consistency.p50.toFixed(3)} ms, p99 ${times.consistency.p99.toFixed(3)} ms`,
  );
  return times;
}

function percentiles(ms: number[]): { p50: number; p99: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)]!, p99: sorted[Math.floor(sorted.length * 0.99)]! };
}

/** The floor under a verification: every leaf read in index order and hashed, no tree. */
function rawScan(file: string): number {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    let count = 0;
    for (const row of db.prepare('SELECT leaf FROM audit_entries ORDER BY idx').iterate()) {
      createHash('sha256')
        .update(Uint8Array.of(0))
        .update((row as { leaf: Uint8Array }).leaf)
        .digest();
      count++;
    }
    return count;
  } finally {
    db.close();
  }
}
