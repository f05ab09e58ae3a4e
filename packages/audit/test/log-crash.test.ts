import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { auditMigrations, MerkleLog, verifyStoredLog } from '../src/index.ts';
import { batchLeaves } from './support/crash-leaves.ts';
import { appendUntilKilled, type Ack } from './support/run-log-child.ts';

const ROUNDS = 4;

describe.each(engines)('a crash on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(auditMigrations);
  });
  afterAll(() => db?.drop());

  it('loses no acknowledged append and leaves a log that verifies, two instances killed at random moments', async () => {
    const acks: Ack[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Two instances appending at once, each SIGKILLed mid-load at its own moment.
      const killed = await Promise.all(
        ['a', 'b'].map((instance) =>
          appendUntilKilled(db, `${round}${instance}`, 16, 150 + Math.floor(Math.random() * 350)),
        ),
      );
      for (const run of killed) {
        expect(run.length).toBeGreaterThan(0);
        acks.push(...run);
      }
      expect(await verifyStoredLog(store)).toMatchObject({ ok: true });
    }

    const log = new MerkleLog(store);
    const { size } = await log.start();
    const taken = new Set<number>();
    for (const ack of acks) {
      const stored = await log.readEntries(ack.first, ack.first + ack.count);
      expect(stored.map((entry) => entry.leaf.toString())).toEqual(
        batchLeaves(ack.tag, ack.count).map(String),
      );
      for (let i = ack.first; i < ack.first + ack.count; i++) {
        expect(taken.has(i)).toBe(false);
        taken.add(i);
      }
    }
    expect(size).toBeGreaterThanOrEqual(taken.size);
    // The log goes on where the last survivor left it.
    expect(await log.append([{ leaf: Buffer.from('after the crashes') }])).toEqual({ first: size, count: 1 });
    expect(await verifyStoredLog(store)).toMatchObject({ ok: true, size: size + 1 });
  }, 30_000);
});
