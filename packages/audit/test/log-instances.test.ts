import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { auditMigrations, MerkleLog, verifyStoredLog, type AppendResult } from '../src/index.ts';
import { referenceRoot } from './support/reference-tree.ts';

describe.each(engines)('two OneGate instances appending to one log on %s', (engine) => {
  let db: TestDatabase;
  let stores: Store[];

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    // Two connections (two pools on PostgreSQL): as far as the database can tell, two processes.
    stores = [await db.open(), await db.open()];
    await Promise.all(stores.map((store) => store.migrate(auditMigrations)));
  });
  afterAll(() => db?.drop());

  it('share one dense sequence and one tree that verifies', async () => {
    const logs = stores.map((store) => new MerkleLog(store));
    await Promise.all(logs.map((log) => log.start()));
    const acks: Array<{ leaves: string[]; result: AppendResult }> = [];
    await Promise.all(
      logs.flatMap((log, instance) =>
        Array.from({ length: 20 }, async (_, producer) => {
          for (let seq = 0; seq < 5; seq++) {
            const leaves = Array.from(
              { length: 1 + (seq % 3) },
              (_, j) => `i${instance}/p${producer}/${seq}/${j}`,
            );
            const result = await log.append(leaves.map((leaf) => ({ leaf: Buffer.from(leaf) })));
            acks.push({ leaves, result });
          }
        }),
      ),
    );
    const total = acks.reduce((sum, ack) => sum + ack.leaves.length, 0);
    const expected = new Array<string>(total);
    for (const { leaves, result } of acks) leaves.forEach((leaf, j) => (expected[result.first + j] = leaf));
    expect(expected.filter((leaf) => leaf !== undefined)).toHaveLength(total);

    for (const log of logs) expect((await log.head()).size).toBe(total);
    const stored = (await logs[0]!.readEntries(0, total)).map((entry) => entry.leaf);
    expect(stored.map(String)).toEqual(expected);
    expect((await logs[1]!.head()).root.equals(referenceRoot(stored))).toBe(true);
    const verdict = await verifyStoredLog(stores[1]!);
    expect(verdict.ok).toBe(true);

    // Each sees the other's appends: the next index follows whatever the other wrote last.
    expect(await logs[0]!.append([{ leaf: Buffer.from('after-0') }])).toEqual({ first: total, count: 1 });
    expect(await logs[1]!.append([{ leaf: Buffer.from('after-1') }])).toEqual({ first: total + 1, count: 1 });
    expect(await logs[0]!.append([{ leaf: Buffer.from('after-2') }])).toEqual({ first: total + 2, count: 1 });
    expect((await verifyStoredLog(stores[0]!)).ok).toBe(true);
  });
});
