import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Change, Store } from '../src/index.ts';
import { runChild } from './child-process.ts';
import { createTestDatabase, engines, eventually, type TestDatabase } from './engines.ts';

// The CLI is a separate process writing to the same database while the server runs.
describe.each(engines)('another process on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate({
      owner: 'counter',
      migrations: [
        {
          version: 1,
          name: 'counter',
          up: 'CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); INSERT INTO counter (id, n) VALUES (1, 0);',
        },
      ],
    });
  });
  afterEach(() => db.drop());

  it('is heard through the change feed', async () => {
    const seen: Change[] = [];
    await store.subscribe('clients', (c) => seen.push(c));
    await runChild(db, 'notify', 'clients', 'client-42');
    await eventually(() => seen.length > 0);
    expect(seen).toEqual([{ topic: 'clients', key: 'client-42' }]);
  });

  it('writes concurrently with this one without losing an update', async () => {
    const local = async () => {
      for (let i = 0; i < 40; i++) {
        await store.transaction(async (tx) => {
          const row = await tx.one<{ n: number }>(
            engine === 'postgres'
              ? 'SELECT n FROM counter WHERE id = 1 FOR UPDATE'
              : 'SELECT n FROM counter WHERE id = 1',
          );
          await tx.exec('UPDATE counter SET n = $1 WHERE id = 1', [Number(row.n) + 1]);
        });
      }
    };
    await Promise.all([runChild(db, 'increment', '40'), runChild(db, 'increment', '40'), local()]);
    expect(await store.one('SELECT n FROM counter WHERE id = 1')).toEqual({ n: 120 });
  });
});
