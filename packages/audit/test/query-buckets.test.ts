import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { auditMigrations, MAX_ENTRIES_PER_APPEND, MerkleLog, type EntryColumns } from '../src/index.ts';
import { SEARCH_BUCKET_BITS } from '../src/log/audit-migrations.ts';
import { queryPage, type EventFilter } from '../src/service/query.ts';
import { allPages } from './support/query-pages.ts';

const START = Date.UTC(2026, 10, 1);
const BUCKET = 2 ** SEARCH_BUCKET_BITS;
/** Three full buckets and part of a fourth, so searches cross bucket edges on SQLite. */
const SIZE = 3 * BUCKET + 1000;

/** Columns whose values repeat at different rates, and a few that occur only at the ends of the log. */
function columnsOf(i: number): EntryColumns {
  const atEnds = i < 5 || i >= SIZE - 5;
  return {
    at: START + i * 10,
    actor: atEnds ? 'night-clerk' : `clerk-${i % 97}`,
    subject: `citizen-${(i * 7919) % 5000}`,
    action: i % 3 === 0 ? 'record.decrypt' : 'record.read',
    outcome: i % 11 === 0 ? 'denied' : 'success',
    department: `department-${i % 13}`,
    clientId: i % 2 === 0 ? 'app-even' : null,
    purpose: i % 1000 === 999 ? 'court-order' : 'case-handling',
  };
}

describe.each(engines)('searches across buckets of the log on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  const all = Array.from({ length: SIZE }, (_, i) => columnsOf(i));

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(auditMigrations);
    const log = new MerkleLog(store);
    await log.start();
    for (let from = 0; from < SIZE; from += MAX_ENTRIES_PER_APPEND) {
      const to = Math.min(SIZE, from + MAX_ENTRIES_PER_APPEND);
      await log.append(
        all.slice(from, to).map((columns, k) => ({ leaf: Buffer.from(`{"n":${from + k}}`), columns })),
      );
    }
    await log.close();
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  /** The same search by reading every entry. */
  function expected(filter: EventFilter): number[] {
    const out: number[] = [];
    for (let i = SIZE - 1; i >= 0; i--) {
      const c = all[i]!;
      const matches =
        (filter.actor === undefined || c.actor === filter.actor) &&
        (filter.subject === undefined || c.subject === filter.subject) &&
        (filter.subjects === undefined || filter.subjects.includes(c.subject!)) &&
        (filter.action === undefined || c.action === filter.action) &&
        (filter.outcome === undefined || c.outcome === filter.outcome) &&
        (filter.department === undefined || c.department === filter.department) &&
        (filter.clientId === undefined || c.clientId === filter.clientId) &&
        (filter.purpose === undefined || c.purpose === filter.purpose) &&
        (filter.from === undefined || c.at! >= filter.from) &&
        (filter.to === undefined || c.at! < filter.to);
      if (matches) out.push(i);
    }
    return out;
  }

  const filters: Array<[string, EventFilter]> = [
    ['one actor', { actor: 'clerk-42' }],
    ['an actor seen only at the two ends of the log', { actor: 'night-clerk' }],
    ['an actor never seen', { actor: 'clerk-none' }],
    ['one subject', { subject: 'citizen-1234' }],
    ['any of several subjects', { subjects: ['citizen-7', 'citizen-4999', 'citizen-2500'] }],
    ['a rare purpose', { purpose: 'court-order' }],
    ['denied in one department', { department: 'department-5', outcome: 'denied' }],
    ['one app and action', { clientId: 'app-even', action: 'record.decrypt', department: 'department-1' }],
    ['only denied, no indexed column', { outcome: 'denied', from: START + 100_000, to: START + 110_000 }],
    // Bucket edges inside the range: the first bucket's last entries and the second's first.
    [
      'an actor in a time range across a bucket edge',
      { actor: 'clerk-3', from: START + (BUCKET - 2000) * 10, to: START + (BUCKET + 2000) * 10 },
    ],
    ['an action in the last bucket only', { action: 'record.read', from: START + (3 * BUCKET + 100) * 10 }],
  ];

  it.each(filters)('finds %s exactly, newest first, page after page', async (_name, filter) => {
    const want = expected(filter);
    for (const limit of [1000, 37]) expect(await allPages(store, filter, limit)).toEqual(want);
  });

  it('continues a page from a cursor inside an older bucket', async () => {
    const before = BUCKET + 5;
    const page = await queryPage(store, { department: 'department-0' }, { before, limit: 10 });
    expect(page.events.map((e) => e.index)).toEqual(
      expected({ department: 'department-0' })
        .filter((i) => i < before)
        .slice(0, 10),
    );
  });
});
