import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore, type Store } from '@onegate/store';
import { createTestDatabase, type TestDatabase } from '@onegate/store/testing';
import { auditMigrations, MerkleLog, verifyStoredLog } from '../src/index.ts';
import { columnValues } from '../src/log/entry-columns.ts';
import { SqliteWriterThread } from '../src/log/sqlite-writer.ts';

/** One call's rows as `MerkleLog.append` makes them: index and leaf hash still to fill in. */
const call = (...leaves: string[]) => ({
  rows: leaves.map((leaf) => [0, Buffer.from(leaf), null, 1000, ...columnValues(undefined)]),
  key: undefined,
  client: '',
  digest: undefined,
});

describe('the SQLite writer thread', () => {
  let db: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    store = await db.open();
    await store.migrate(auditMigrations);
  });
  afterAll(() => db?.drop());

  it('when it dies, fails what it had not answered, and the next group starts a new thread where the log left off', async () => {
    const file = (store as SqliteStore).file;
    const thread = new SqliteWriterThread(file, 4096);
    expect(await thread.write([call('a', 'b')], 1000)).toEqual([{ first: 0, count: 2 }]);

    const held = thread.write([call('c')], 1000);
    await thread.terminate();
    // Acknowledged means written; a failure means "maybe": the thread may have committed just
    // before it stopped (as after a lost connection on PostgreSQL), which is why writers retry
    // with idempotency keys. Either way the log stays one dense, verifiable tree.
    const acknowledged = await held.then(
      () => true,
      (err: unknown) => {
        expect(err).toBeInstanceOf(Error);
        return false;
      },
    );
    const log = new MerkleLog(store, { writerThread: false });
    const afterStop = await log.size();
    if (acknowledged) expect(afterStop).toBe(3);
    else expect([2, 3]).toContain(afterStop);

    expect(await thread.write([call('d', 'e')], 1000)).toEqual([{ first: afterStop, count: 2 }]);
    await thread.close();
    const leaves = (await log.readEntries(0, await log.size())).map((entry) => String(entry.leaf));
    expect(leaves).toEqual(afterStop === 3 ? ['a', 'b', 'c', 'd', 'e'] : ['a', 'b', 'd', 'e']);
    expect((await verifyStoredLog(store)).ok).toBe(true);
  });
});
