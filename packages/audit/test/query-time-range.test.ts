import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { auditMigrations, MerkleLog } from '../src/index.ts';
import { AT_SKEW_MS, type EventFilter } from '../src/service/query.ts';
import { allPages } from './support/query-pages.ts';

const START = Date.UTC(2026, 10, 1);
const SIZE = 3000;

/**
 * One entry a second, except every seventh, whose `at` is up to two minutes
 * early: received by an instance whose clock runs behind, or held in a
 * group-commit window. A time search must still find exactly the entries in range.
 */
const atOf = (i: number) => START + i * 1000 - (i % 7 === 0 ? (i % 120) * 1000 : 0);

describe.each(engines)('searching a time range on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(auditMigrations);
    const log = new MerkleLog(store);
    await log.start();
    await log.append(
      Array.from({ length: SIZE }, (_, i) => ({
        leaf: Buffer.from(JSON.stringify({ n: i })),
        columns: { at: atOf(i), action: i % 3 === 0 ? 'record.decrypt' : 'record.read' },
      })),
    );
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const everything = (filter: EventFilter) => allPages(store, filter, 400);

  const expected = (from: number, to: number, action?: string) =>
    Array.from({ length: SIZE }, (_, i) => i)
      .filter(
        (i) =>
          atOf(i) >= from && atOf(i) < to && (!action || (i % 3 === 0) === (action === 'record.decrypt')),
      )
      .reverse();

  it('finds exactly the entries in range, newest first, where at and index disagree a little', async () => {
    expect(AT_SKEW_MS).toBeGreaterThan(120_000);
    // Ranges well inside the log, so both index bounds are in play, and at its edges.
    for (const [from, to] of [
      [START + 600_000, START + 900_000],
      [START + 1_234_567, START + 1_300_000],
      [START - 3_600_000, START + 400_000],
      [START + 2_700_000, START + 9_000_000],
    ] as const) {
      expect(await everything({ from, to })).toEqual(expected(from, to));
      expect(await everything({ from, to, action: 'record.decrypt' })).toEqual(
        expected(from, to, 'record.decrypt'),
      );
    }
  });

  it('answers an empty or inverted range with nothing', async () => {
    expect(await everything({ from: START + 10_000_000, to: START + 20_000_000 })).toEqual([]);
    expect(await everything({ from: START + 500_000, to: START + 500_000 })).toEqual([]);
    expect(await everything({ from: START + 600_000, to: START + 500_000 })).toEqual([]);
  });
});
