import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import {
  auditMigrations,
  isAuditError,
  MAX_LEAF_BYTES,
  MAX_NODES_PER_READ,
  MerkleLog,
  verifyStoredLog,
  type AppendResult,
  type AuditErrorCode,
} from '../src/index.ts';
import { FailingStore } from './support/failing-store.ts';
import { completeNodes, referenceRoot } from './support/reference-tree.ts';

const entries = (...leaves: string[]) => leaves.map((leaf) => ({ leaf: Buffer.from(leaf) }));

async function refusal(promise: Promise<unknown>): Promise<AuditErrorCode> {
  try {
    await promise;
  } catch (err) {
    if (isAuditError(err)) return err.code;
    throw err;
  }
  throw new Error('accepted');
}

/** Every leaf in the log, in order. */
async function allLeaves(log: MerkleLog): Promise<Buffer[]> {
  const size = await log.size();
  return (await log.readEntries(0, size)).map((entry) => entry.leaf);
}

async function expectTreeMatchesReference(log: MerkleLog, store: Store): Promise<void> {
  const leaves = await allLeaves(log);
  const keys = completeNodes(leaves.length);
  const hashes: Buffer[] = [];
  for (let i = 0; i < keys.length; i += MAX_NODES_PER_READ) {
    hashes.push(...(await log.readNodes(keys.slice(i, i + MAX_NODES_PER_READ))));
  }
  keys.forEach(({ level, index }, i) => {
    const covered = leaves.slice(index * 2 ** level, (index + 1) * 2 ** level);
    expect(hashes[i]!.toString('hex'), `node (${level}, ${index})`).toBe(
      referenceRoot(covered).toString('hex'),
    );
  });
  expect((await log.head()).root.toString('hex')).toBe(referenceRoot(leaves).toString('hex'));
  const [stored] = await store.query<{ n: number }>('SELECT COUNT(*) AS n FROM audit_nodes');
  expect(Number(stored!.n)).toBe(keys.filter((key) => key.level > 0).length);
}

/**
 * On SQLite, groups are written on the log's writer thread by default; the
 * same tests also run with groups written inline, through a store wrapper
 * that counts transactions and injects failures. The thread cannot be
 * wrapped: there, SQL triggers count the groups and make statements fail.
 */
type Writer = { engine: (typeof engines)[number]; thread: boolean };
const writers = engines.flatMap((engine): Writer[] =>
  engine === 'sqlite'
    ? [
        { engine, thread: true },
        { engine, thread: false },
      ]
    : [{ engine, thread: false }],
);

interface Groups {
  /** Group transactions that changed the head so far. */
  count(): Promise<number>;
  /** Makes the matching statement fail inside every group until disarmed. */
  arm(statement: 'INSERT INTO audit_nodes' | 'UPDATE audit_head' | undefined): Promise<void>;
}

describe.each(writers)('the Merkle log on $engine (writer thread: $thread)', ({ engine, thread }) => {
  let db: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(auditMigrations);
  });
  afterAll(() => db?.drop());

  /** A log on a fresh, empty table set. */
  async function freshLog(): Promise<{ log: MerkleLog; groups: Groups }> {
    await store.transaction(async (tx) => {
      for (const table of ['audit_entries', 'audit_nodes', 'audit_idempotency'])
        await tx.exec(`DELETE FROM ${table}`);
      await tx.exec('UPDATE audit_head SET size = 0, root = $1 WHERE id = 1', [referenceRoot([])]);
    });
    if (thread) {
      await store.exec('DROP TRIGGER IF EXISTS test_fail');
      await store.exec('DROP TABLE IF EXISTS test_groups');
      await store.exec('CREATE TABLE test_groups (n INTEGER)');
      await store.exec(
        'CREATE TRIGGER IF NOT EXISTS test_count AFTER UPDATE ON audit_head BEGIN INSERT INTO test_groups VALUES (1); END',
      );
      const log = new MerkleLog(store);
      await log.start();
      return {
        log,
        groups: {
          count: async () =>
            Number((await store.one<{ n: number }>('SELECT COUNT(*) AS n FROM test_groups')).n),
          arm: async (statement) => {
            await store.exec('DROP TRIGGER IF EXISTS test_fail');
            if (statement === undefined) return;
            const verb = statement.split(' ')[0];
            const table = statement.split(' ').at(-1);
            await store.exec(
              `CREATE TRIGGER test_fail BEFORE ${verb} ON ${table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
            );
          },
        },
      };
    }
    const counting = new FailingStore(store);
    const log = new MerkleLog(counting, { writerThread: false });
    await log.start();
    return {
      log,
      groups: {
        count: async () => counting.transactions,
        arm: async (statement) => {
          counting.armed = statement === undefined ? undefined : new RegExp(statement);
        },
      },
    };
  }

  it('starts empty, with the empty tree root', async () => {
    const { log } = await freshLog();
    const head = await log.head();
    expect(head.size).toBe(0);
    expect(head.root.toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('gives 50 concurrent appenders one dense sequence, each batch consecutive, sharing transactions', async () => {
    const { log, groups } = await freshLog();
    const calls: Array<{ leaves: string[]; result: AppendResult }> = [];
    await Promise.all(
      Array.from({ length: 50 }, async (_, producer) => {
        for (let seq = 0; seq < 6; seq++) {
          const leaves = Array.from(
            { length: 1 + ((producer + seq) % 4) },
            (_, j) => `p${producer}/${seq}/${j}`,
          );
          calls.push({ leaves, result: await log.append(entries(...leaves)) });
        }
      }),
    );
    const total = calls.reduce((sum, call) => sum + call.leaves.length, 0);
    const taken = new Array<string | undefined>(total);
    for (const { leaves, result } of calls) {
      expect(result.count).toBe(leaves.length);
      leaves.forEach((leaf, j) => {
        expect(taken[result.first + j]).toBeUndefined();
        taken[result.first + j] = leaf;
      });
    }
    expect(taken.includes(undefined)).toBe(false);
    expect((await log.head()).size).toBe(total);
    expect((await allLeaves(log)).map(String)).toEqual(taken);
    expect(await groups.count()).toBeLessThan(calls.length / 4);
    await expectTreeMatchesReference(log, store);
  });

  it('stores every complete subtree, equal to the RFC 9162 hash of its leaves, at every size', async () => {
    const { log } = await freshLog();
    const leaves: Buffer[] = [];
    for (const count of [1, 1, 2, 3, 1, 8, 5, 1, 16, 1, 2, 33]) {
      const batch = Array.from({ length: count }, (_, j) => Buffer.from([leaves.length + j, 0, 255]));
      await log.append(batch.map((leaf) => ({ leaf })));
      leaves.push(...batch);
      expect((await log.head()).root.equals(referenceRoot(leaves))).toBe(true);
    }
    await expectTreeMatchesReference(log, store);
  });

  it('keeps the exact leaf bytes and the query columns beside them', async () => {
    const { log } = await freshLog();
    const leaf = Buffer.from([0, 1, 0, 0xff, 0x80]);
    const { first } = await log.append([
      { leaf, columns: { at: 1234, action: 'record.read', actor: 'wang', subject: 's1', clientId: 'app' } },
      { leaf: Buffer.alloc(0) },
    ]);
    expect((await log.readEntry(first)).equals(leaf)).toBe(true);
    expect((await log.readEntry(first + 1)).length).toBe(0);
    const row = await store.one<Record<string, unknown>>(
      'SELECT at, action, actor, subject, outcome, client_id FROM audit_entries WHERE idx = $1',
      [first],
    );
    expect(row).toEqual({
      at: 1234,
      action: 'record.read',
      actor: 'wang',
      subject: 's1',
      outcome: null,
      client_id: 'app',
    });
  });

  it('appends all of a batch or none of it: a group whose transaction fails leaves the log as it was', async () => {
    const { log, groups } = await freshLog();
    await log.append(entries('a', 'b', 'c'));
    const before = await log.head();
    await groups.arm('INSERT INTO audit_nodes');
    const failed = await Promise.all(
      Array.from({ length: 5 }, (_, i) => refusal(log.append(entries(`x${i}`, `y${i}`)))),
    );
    expect(failed).toEqual(Array(5).fill('ERR_AUDIT_UNAVAILABLE'));
    await groups.arm(undefined);
    const after = await log.head();
    expect(after.size).toBe(3);
    expect(after.root.equals(before.root)).toBe(true);
    const [rows] = await store.query<{ n: number }>('SELECT COUNT(*) AS n FROM audit_entries');
    expect(Number(rows!.n)).toBe(3);
    // The next append continues right after the last committed entry.
    expect(await log.append(entries('d'))).toEqual({ first: 3, count: 1 });
    expect((await verifyStoredLog(store)).ok).toBe(true);
    await expectTreeMatchesReference(log, store);
  });

  it('fails a group whose head update fails, and the log recovers from the store', async () => {
    const { log, groups } = await freshLog();
    await log.append(entries('a', 'b'));
    await groups.arm('UPDATE audit_head');
    expect(await refusal(log.append(entries('c')))).toBe('ERR_AUDIT_UNAVAILABLE');
    await groups.arm(undefined);
    expect(await log.append(entries('c', 'd', 'e'))).toEqual({ first: 2, count: 3 });
    await expectTreeMatchesReference(log, store);
  });

  it('answers a retried batch with its first indexes, refuses a different batch under the same key', async () => {
    const { log } = await freshLog();
    await log.append(entries('before'));
    const first = await log.append(entries('e1', 'e2'), { idempotencyKey: 'k1', client: 'app-a' });
    expect(first).toEqual({ first: 1, count: 2 });
    expect(await log.append(entries('e1', 'e2'), { idempotencyKey: 'k1', client: 'app-a' })).toEqual({
      ...first,
      replayed: true,
    });
    expect(await refusal(log.append(entries('e1', 'other'), { idempotencyKey: 'k1', client: 'app-a' }))).toBe(
      'ERR_AUDIT_CONFLICT',
    );
    expect(await refusal(log.append(entries('e1'), { idempotencyKey: 'k1', client: 'app-a' }))).toBe(
      'ERR_AUDIT_CONFLICT',
    );
    // Keys are per client.
    expect(await log.append(entries('e1', 'e2'), { idempotencyKey: 'k1', client: 'app-b' })).toEqual({
      first: 3,
      count: 2,
    });
    expect((await log.head()).size).toBe(5);
  });

  it('appends a batch sent twice at once under one key only once', async () => {
    const { log } = await freshLog();
    const results = await Promise.all([
      log.append(entries('r1', 'r2'), { idempotencyKey: 'twice' }),
      log.append(entries('r1', 'r2'), { idempotencyKey: 'twice' }),
      refusal(log.append(entries('r3'), { idempotencyKey: 'twice' })),
      log.append(entries('plain')),
    ]);
    expect(results).toEqual([
      { first: 0, count: 2 },
      { first: 0, count: 2, replayed: true },
      'ERR_AUDIT_CONFLICT',
      { first: 2, count: 1 },
    ]);
    expect((await log.head()).size).toBe(3);
  });

  it('continues the sequence and the tree after a restart', async () => {
    const { log } = await freshLog();
    await log.append(entries('a', 'b', 'c', 'd', 'e'));
    await log.close();
    const other = await db.open();
    const again = new MerkleLog(other);
    expect((await again.start()).size).toBe(5);
    expect(await again.append(entries('f', 'g'))).toEqual({ first: 5, count: 2 });
    expect((await allLeaves(again)).map(String)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    await expectTreeMatchesReference(again, other);
    await other.close();
  });

  it('lets queued appends finish on close, then refuses new ones', async () => {
    const { log } = await freshLog();
    const pending = Array.from({ length: 10 }, (_, i) => log.append(entries(`c${i}`)));
    await log.close();
    expect((await Promise.all(pending)).map((r) => r.first).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(await refusal(log.append(entries('late')))).toBe('ERR_AUDIT_UNAVAILABLE');
  });

  it('refuses malformed appends alone, appending nothing', async () => {
    const { log } = await freshLog();
    const bad = [
      log.append([]),
      log.append([{ leaf: 'text' as unknown as Buffer }]),
      log.append([{ leaf: Buffer.alloc(MAX_LEAF_BYTES + 1) }]),
      log.append(entries('ok'), { idempotencyKey: '' }),
      log.append([{ leaf: Buffer.from('x'), columns: { at: -1 } }]),
      log.append([{ leaf: Buffer.from('x'), columns: { actor: 42 as unknown as string } }]),
    ];
    const good = log.append(entries('fine'));
    expect(await Promise.all(bad.map(refusal))).toEqual(Array(bad.length).fill('ERR_AUDIT_INVALID'));
    expect(await good).toEqual({ first: 0, count: 1 });
  });

  it('reads nodes of any mix of levels in one call, and refuses nodes not complete yet', async () => {
    const { log } = await freshLog();
    await log.append(entries(...'abcdefghijk'.split('')));
    const leaves = (await allLeaves(log)).slice();
    const [n3, leaf10, n21] = await log.readNodes([
      { level: 3, index: 0 },
      { level: 0, index: 10 },
      { level: 1, index: 4 },
    ]);
    expect(n3!.equals(referenceRoot(leaves.slice(0, 8)))).toBe(true);
    expect(leaf10!.equals(referenceRoot(leaves.slice(10, 11)))).toBe(true);
    expect(n21!.equals(referenceRoot(leaves.slice(8, 10)))).toBe(true);
    expect(await refusal(log.readNodes([{ level: 1, index: 5 }]))).toBe('ERR_AUDIT_NOT_FOUND');
    expect(await refusal(log.readNodes([{ level: 0, index: 11 }]))).toBe('ERR_AUDIT_NOT_FOUND');
    expect(await refusal(log.readNodes([{ level: -1, index: 0 }]))).toBe('ERR_AUDIT_INVALID');
    expect(await refusal(log.readNodes([{ level: 1, index: 0.5 }]))).toBe('ERR_AUDIT_INVALID');
    const tooMany = Array.from({ length: MAX_NODES_PER_READ + 1 }, () => ({ level: 0, index: 0 }));
    expect(await refusal(log.readNodes(tooMany))).toBe('ERR_AUDIT_INVALID');
    expect(await refusal(log.readEntries(5, 12))).toBe('ERR_AUDIT_NOT_FOUND');
    expect(await refusal(log.readEntries(5, 4))).toBe('ERR_AUDIT_INVALID');
    expect(await refusal(log.readEntry(11))).toBe('ERR_AUDIT_NOT_FOUND');
  });
});
