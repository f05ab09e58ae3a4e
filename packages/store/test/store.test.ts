import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStoreError, type Change, type Store } from '../src/index.ts';
import { createTestDatabase, engines, eventually, type TestDatabase } from './engines.ts';

const accounts = {
  owner: 'test-accounts',
  migrations: [
    {
      version: 1,
      name: 'accounts',
      up: {
        sqlite:
          'CREATE TABLE accounts (id TEXT PRIMARY KEY, balance INTEGER NOT NULL, photo BLOB, active INTEGER)',
        postgres:
          'CREATE TABLE accounts (id TEXT PRIMARY KEY, balance BIGINT NOT NULL, photo BYTEA, active INTEGER)',
      },
    },
  ],
};

describe.each(engines)('store on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(accounts);
  });
  afterAll(() => db?.drop());

  describe('queries', () => {
    it('binds parameters by number and returns the same types on both engines', async () => {
      await store.exec('INSERT INTO accounts (id, balance, photo, active) VALUES ($1, $2, $3, $4)', [
        'a1',
        9_007_199_254_740_991,
        Buffer.from([0, 1, 255]),
        true,
      ]);
      const row = await store.one<{ id: string; balance: number; photo: Buffer; active: number }>(
        'SELECT id, balance, photo, active FROM accounts WHERE balance = $2 AND id = $1',
        ['a1', 9_007_199_254_740_991],
      );
      expect(row).toEqual({
        id: 'a1',
        balance: 9_007_199_254_740_991,
        photo: Buffer.from([0, 1, 255]),
        active: 1,
      });
      expect(Buffer.isBuffer(row.photo)).toBe(true);
    });

    it('treats parameters as values, never as SQL', async () => {
      const hostile = "x'); DROP TABLE accounts; --";
      await store.exec('INSERT INTO accounts (id, balance) VALUES ($1, 0)', [hostile]);
      expect((await store.one('SELECT id FROM accounts WHERE id = $1', [hostile]))['id']).toBe(hostile);
      expect(await store.query('SELECT id FROM accounts')).not.toHaveLength(0);
    });

    it('returns rows from INSERT … RETURNING and counts changed rows', async () => {
      const rows = await store.query<{ id: string }>(
        'INSERT INTO accounts (id, balance) VALUES ($1, 5), ($2, 5) RETURNING id',
        ['r1', 'r2'],
      );
      expect(rows.map((r) => r.id).sort()).toEqual(['r1', 'r2']);
      expect(await store.exec('UPDATE accounts SET balance = 6 WHERE balance = 5')).toBe(2);
    });

    it('reports a duplicate key as ERR_STORE_CONFLICT without echoing the value', async () => {
      await store.exec('INSERT INTO accounts (id, balance) VALUES ($1, 0)', ['dup-110101199003077777']);
      const err = await store
        .exec('INSERT INTO accounts (id, balance) VALUES ($1, 0)', ['dup-110101199003077777'])
        .catch((e: unknown) => e);
      expect(isStoreError(err, 'ERR_STORE_CONFLICT')).toBe(true);
      expect((err as Error).message).not.toContain('110101199003077777');
    });

    it('reports a malformed statement as ERR_STORE_QUERY', async () => {
      const err = await store.query('SELEC nothing').catch((e: unknown) => e);
      expect(isStoreError(err, 'ERR_STORE_QUERY')).toBe(true);
    });

    it('one() insists on exactly one row, maybeOne() allows none', async () => {
      expect(await store.maybeOne('SELECT id FROM accounts WHERE id = $1', ['nobody'])).toBeUndefined();
      const err = await store
        .one('SELECT id FROM accounts WHERE id = $1', ['nobody'])
        .catch((e: unknown) => e);
      expect(isStoreError(err, 'ERR_STORE_NOT_FOUND')).toBe(true);
    });
  });

  describe('transactions', () => {
    it('commits everything when the body resolves', async () => {
      await store.transaction(async (tx) => {
        await tx.exec('INSERT INTO accounts (id, balance) VALUES ($1, 10)', ['t1']);
        await tx.exec('INSERT INTO accounts (id, balance) VALUES ($1, 20)', ['t2']);
      });
      const rows = await store.query('SELECT id FROM accounts WHERE id IN ($1, $2)', ['t1', 't2']);
      expect(rows).toHaveLength(2);
    });

    it('rolls back everything when the body throws, and rethrows', async () => {
      const boom = new Error('boom');
      await expect(
        store.transaction(async (tx) => {
          await tx.exec('INSERT INTO accounts (id, balance) VALUES ($1, 10)', ['rolled-back']);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await store.maybeOne('SELECT id FROM accounts WHERE id = $1', ['rolled-back'])).toBeUndefined();
    });

    it('rolls back when a statement inside fails', async () => {
      const err = await store
        .transaction(async (tx) => {
          await tx.exec('INSERT INTO accounts (id, balance) VALUES ($1, 1)', ['half']);
          await tx.exec('INSERT INTO accounts (id, balance) VALUES ($1, NULL)', ['null-balance']);
        })
        .catch((e: unknown) => e);
      expect(isStoreError(err, 'ERR_STORE_QUERY')).toBe(true);
      expect(await store.maybeOne('SELECT id FROM accounts WHERE id = $1', ['half'])).toBeUndefined();
    });

    it('refuses the store handle inside a transaction instead of deadlocking or escaping it', async () => {
      const err = await store
        .transaction(async () => store.query('SELECT 1 AS one'))
        .catch((e: unknown) => e);
      expect(isStoreError(err, 'ERR_STORE_MISUSE')).toBe(true);
    });

    it('refuses a transaction handle used after the transaction ended', async () => {
      const leaked = await store.transaction(async (tx) => tx);
      const err = await leaked.query('SELECT 1 AS one').catch((e: unknown) => e);
      expect(isStoreError(err, 'ERR_STORE_CLOSED')).toBe(true);
    });

    it('loses no update when two connections increment the same row at once', async () => {
      await store.exec('INSERT INTO accounts (id, balance) VALUES ($1, 0)', ['counter']);
      const other = await db.open();
      const increment = (s: Store) =>
        s.transaction(async (tx) => {
          // Read-modify-write: correct only if the engine serializes the writers.
          const row = await tx.one<{ balance: number }>(
            engine === 'postgres'
              ? 'SELECT balance FROM accounts WHERE id = $1 FOR UPDATE'
              : 'SELECT balance FROM accounts WHERE id = $1',
            ['counter'],
          );
          await tx.exec('UPDATE accounts SET balance = $1 WHERE id = $2', [
            Number(row.balance) + 1,
            'counter',
          ]);
        });
      await Promise.all(Array.from({ length: 50 }, (_, i) => increment(i % 2 === 0 ? store : other)));
      const row = await store.one<{ balance: number }>('SELECT balance FROM accounts WHERE id = $1', [
        'counter',
      ]);
      expect(Number(row.balance)).toBe(50);
    });
  });

  describe('change feed', () => {
    it('tells another connection what changed, after commit', async () => {
      const other = await db.open();
      const seen: Change[] = [];
      const stop = await other.subscribe('feed.clients', (c) => seen.push(c));
      await store.transaction(async (tx) => {
        await tx.exec('INSERT INTO accounts (id, balance) VALUES ($1, 0)', ['feed-1']);
        await tx.notify('feed.clients', 'feed-1');
      });
      await store.notify('feed.clients', 'feed-2');
      await eventually(() => seen.length >= 2);
      expect(seen).toEqual([
        { topic: 'feed.clients', key: 'feed-1' },
        { topic: 'feed.clients', key: 'feed-2' },
      ]);
      stop();
    });

    it('never announces a change whose transaction rolled back', async () => {
      const other = await db.open();
      const seen: Change[] = [];
      await other.subscribe('feed.rollback', (c) => seen.push(c));
      await store
        .transaction(async (tx) => {
          await tx.notify('feed.rollback', 'ghost');
          throw new Error('abort');
        })
        .catch(() => undefined);
      await store.notify('feed.rollback', 'real');
      await eventually(() => seen.length >= 1);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual([{ topic: 'feed.rollback', key: 'real' }]);
    });

    it('delivers only the subscribed topic, and everything to *', async () => {
      const other = await db.open();
      const one: Change[] = [];
      const all: Change[] = [];
      await other.subscribe('feed.a', (c) => one.push(c));
      await other.subscribe('*', (c) => all.push(c));
      await store.notify('feed.b', 'x');
      await store.notify('feed.a', 'y');
      await eventually(() => all.length >= 2);
      expect(one).toEqual([{ topic: 'feed.a', key: 'y' }]);
      expect(all.map((c) => c.topic)).toEqual(['feed.b', 'feed.a']);
    });

    it('refuses a malformed topic', async () => {
      const err = await store.notify('Not A Topic!').catch((e: unknown) => e);
      expect(isStoreError(err, 'ERR_STORE_MISUSE')).toBe(true);
    });
  });

  it('refuses work after close', async () => {
    const other = await db.open();
    await other.close();
    const err = await other.query('SELECT 1 AS one').catch((e: unknown) => e);
    expect(isStoreError(err, 'ERR_STORE_CLOSED')).toBe(true);
  });
});
