import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import {
  openFieldText,
  privacyMigrations,
  readHeader,
  rewrapColumn,
  rewrapStatus,
  sealField,
  type FieldContext,
  type Keyring,
  type RewrapResult,
} from '../src/index.ts';
import { newKek, openWithKeyring, rejected, RecordingAudit, startKeyring } from './keyring-support.ts';

const KEY_ID = 'people.phone';

/** The phone number of person `id`: what every read must get back, whatever version its row is under. */
function phone(id: number): string {
  return `138${String(id).padStart(8, '0')}`;
}

function place(table: string, id: number | string): FieldContext {
  return { table, column: 'phone', row: String(id) };
}

async function createPeople(store: Store, keyring: Keyring, table: string, count: number): Promise<void> {
  await store.exec(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, phone TEXT)`);
  const key = await keyring.primaryKey(KEY_ID);
  for (let start = 1; start <= count; start += 500) {
    const ids = Array.from({ length: Math.min(500, count - start + 1) }, (_, i) => start + i);
    await store.exec(
      `INSERT INTO ${table} (id, phone) VALUES ${ids.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ')}`,
      ids.flatMap((id) => [id, sealField(key, phone(id), place(table, id))]),
    );
  }
}

async function versions(store: Store, table: string): Promise<Map<number, number>> {
  const rows = await store.query<{ phone: string }>(`SELECT phone FROM ${table}`);
  const counts = new Map<number, number>();
  for (const { phone: value } of rows) {
    const { version } = readHeader(value);
    counts.set(version, (counts.get(version) ?? 0) + 1);
  }
  return counts;
}

function rewrap(
  store: Store,
  keyring: Keyring,
  table: string,
  extra: Partial<Parameters<typeof rewrapColumn>[0]> = {},
) {
  return rewrapColumn({
    store,
    keyring,
    table,
    idColumn: 'id',
    column: 'phone',
    keyId: KEY_ID,
    context: (row) => ({ table, column: 'phone', row: row.id }),
    ...extra,
  });
}

describe.each(engines)('rewrap on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let keyring: Keyring;
  const kek = newKek();

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(privacyMigrations);
    ({ keyring } = await startKeyring(store, kek));
  });
  afterAll(async () => {
    await keyring?.stop();
    await db?.drop();
  });

  it('rotates, then moves 10,000 rows to the new version while readers in two processes see no error', async () => {
    const rows = 10_000;
    await createPeople(store, keyring, 'people', rows);
    // A second instance, on its own connection, reading as any caller would.
    const other = await startKeyring(await db.open(), kek);
    const otherStore = await db.open();

    let reading = true;
    const errors: unknown[] = [];
    const reads = [0, 0];
    const reader = async (n: 0 | 1, from: Store, ring: Keyring) => {
      while (reading) {
        const id = randomInt(1, rows + 1);
        try {
          const { phone: value } = await from.one<{ phone: string }>(
            'SELECT phone FROM people WHERE id = $1',
            [id],
          );
          const plain = (await openWithKeyring(ring, value, place('people', id))).toString('utf8');
          if (plain !== phone(id)) errors.push(new Error(`row ${id} read back wrong`));
        } catch (err) {
          errors.push(err);
        }
        reads[n] = reads[n]! + 1;
        // SQLite answers synchronously: without a turn of the event loop this would starve timers.
        await new Promise((r) => setImmediate(r));
      }
    };
    const readers = [reader(0, store, keyring), reader(1, otherStore, other.keyring)];

    await keyring.rotate(KEY_ID, 'operator');
    const readsAtStart = [...reads];
    const audit = new RecordingAudit();
    const batches: RewrapResult[] = [];
    const result = await rewrap(store, keyring, 'people', {
      batchSize: 500,
      audit,
      actor: 'operator',
      onBatch: (p) => batches.push(p),
    });
    // Reads keep going a little after the last batch too.
    const readsAtEnd = [...reads];
    while (reads.some((n, i) => n < readsAtEnd[i]! + 20)) await new Promise((r) => setTimeout(r, 5));
    reading = false;
    await Promise.all(readers);

    expect(errors).toEqual([]);
    // Both readers read while the rows were being rewritten.
    expect(readsAtEnd[0]).toBeGreaterThan(readsAtStart[0]!);
    expect(readsAtEnd[1]).toBeGreaterThan(readsAtStart[1]!);
    expect(result).toMatchObject({
      completed: true,
      resumed: false,
      targetVersion: 2,
      batches: 20,
      scanned: rows,
      rewrapped: rows,
      conflicts: 0,
      unreadable: 0,
    });
    expect(batches).toHaveLength(20);
    expect(await versions(store, 'people')).toEqual(new Map([[2, rows]]));
    expect(audit.events).toMatchObject([
      { action: 'privacy.key.rewrap', actor: 'operator', details: { keyId: KEY_ID, rewrapped: rows } },
    ]);
    expect(await rewrapStatus(store, 'people', 'phone')).toMatchObject({
      target_version: 2,
      cursor: String(rows),
      rewrapped: rows,
    });

    // Nothing is under version 1 any more: it can be retired, and every row still opens.
    await keyring.retire(KEY_ID, 1, 'operator');
    for (const id of [1, 5000, rows]) {
      const { phone: value } = await store.one<{ phone: string }>('SELECT phone FROM people WHERE id = $1', [
        id,
      ]);
      expect(openFieldText(value, place('people', id), keyring.resolve)).toBe(phone(id));
    }
    // A second run finds everything current.
    expect(await rewrap(store, keyring, 'people')).toMatchObject({
      completed: true,
      rewrapped: 0,
      current: rows,
    });
    await other.keyring.stop();
  });

  it('resumes where a stopped run left off', async () => {
    await createPeople(store, keyring, 'resumed', 1000);
    await keyring.rotate(KEY_ID, 'operator');
    const target = (await keyring.primaryKey(KEY_ID)).version;
    const stop = new AbortController();
    const first = await rewrap(store, keyring, 'resumed', {
      batchSize: 100,
      signal: stop.signal,
      onBatch: (p) => p.batches === 3 && stop.abort(),
    });
    expect(first).toMatchObject({ completed: false, batches: 3, rewrapped: 300 });
    expect(await versions(store, 'resumed')).toEqual(
      new Map([
        [target, 300],
        [target - 1, 700],
      ]),
    );
    expect(await rewrapStatus(store, 'resumed', 'phone')).toMatchObject({ cursor: '300', finished_at: null });

    const second = await rewrap(store, keyring, 'resumed', { batchSize: 100 });
    expect(second).toMatchObject({
      completed: true,
      resumed: true,
      batches: 7,
      scanned: 700,
      rewrapped: 700,
    });
    expect(await versions(store, 'resumed')).toEqual(new Map([[target, 1000]]));
  });

  it('resumes after a crash mid-batch: the failed batch is rolled back, nothing is lost', async () => {
    await createPeople(store, keyring, 'crashed', 1000);
    await keyring.rotate(KEY_ID, 'operator');
    const primary = await keyring.primaryKey(KEY_ID);
    let sealed = 0;
    const err = await rejected(
      rewrap(store, keyring, 'crashed', {
        batchSize: 100,
        seal: (key, plaintext, context) => {
          if (++sealed === 450) throw new Error('the process died');
          return sealField(key, plaintext, context);
        },
      }),
    );
    expect((err as Error).message).toBe('the process died');
    expect(await versions(store, 'crashed')).toEqual(
      new Map([
        [primary.version, 400],
        [primary.version - 1, 600],
      ]),
    );
    expect(await rewrap(store, keyring, 'crashed', { batchSize: 100 })).toMatchObject({
      completed: true,
      resumed: true,
      rewrapped: 600,
    });
    expect(await versions(store, 'crashed')).toEqual(new Map([[primary.version, 1000]]));
    for (const id of [1, 450, 1000]) {
      const { phone: value } = await store.one<{ phone: string }>('SELECT phone FROM crashed WHERE id = $1', [
        id,
      ]);
      expect(openFieldText(value, place('crashed', id), keyring.resolve)).toBe(phone(id));
    }
  });

  it('never overwrites what a concurrent writer stored', async () => {
    await createPeople(store, keyring, 'contested', 300);
    await keyring.rotate(KEY_ID, 'operator');
    const key = await keyring.primaryKey(KEY_ID);
    const written = sealField(key, '13900000005', place('contested', 5));
    // The writer changes row 5 after the rewrap read the batch and before it wrote it.
    let first = true;
    const racing = new Proxy(store, {
      get(target, property) {
        if (property === 'transaction' && first) {
          first = false;
          return async (fn: Parameters<Store['transaction']>[0]) => {
            await target.exec('UPDATE contested SET phone = $1 WHERE id = 5', [written]);
            return target.transaction(fn);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const result = await rewrap(racing, keyring, 'contested', { batchSize: 100 });
    expect(result).toMatchObject({ completed: true, rewrapped: 299, conflicts: 1 });
    const { phone: value } = await store.one<{ phone: string }>('SELECT phone FROM contested WHERE id = 5');
    expect(value).toBe(written);
    expect(openFieldText(value, place('contested', 5), keyring.resolve)).toBe('13900000005');
    expect(await versions(store, 'contested')).toEqual(new Map([[key.version, 300]]));
  });

  it('leaves empty values, values under other keys and unreadable values alone, and says which', async () => {
    await createPeople(store, keyring, 'mixed', 10);
    const subject = await keyring.primaryKey('subject.person-3');
    await store.exec('UPDATE mixed SET phone = NULL WHERE id = 1');
    await store.exec('UPDATE mixed SET phone = $1 WHERE id = 3', [
      sealField(subject, phone(3), place('mixed', 3)),
    ]);
    const { phone: row4 } = await store.one<{ phone: string }>('SELECT phone FROM mixed WHERE id = 4');
    await store.exec('UPDATE mixed SET phone = $1 WHERE id = 5', [row4]); // row 4's value copied to row 5
    await keyring.rotate(KEY_ID, 'operator');
    const result = await rewrap(store, keyring, 'mixed');
    expect(result).toMatchObject({
      completed: true,
      skipped: 2,
      unreadable: 1,
      rewrapped: 7,
      unreadableIds: ['5'],
    });
  });

  it('switches a column to GM mode: rotate to SM4, rewrap, and every value opens under SM4', async () => {
    await createPeople(store, keyring, 'regulated', 50);
    await keyring.rotate(KEY_ID, 'operator', { algorithm: 'sm4-ctr-hmac-sm3' });
    expect(await rewrap(store, keyring, 'regulated')).toMatchObject({ completed: true, rewrapped: 50 });
    const rows = await store.query<{ id: number; phone: string }>('SELECT id, phone FROM regulated');
    for (const row of rows) {
      expect(readHeader(row.phone).algorithm).toBe('sm4-ctr-hmac-sm3');
      expect(openFieldText(row.phone, place('regulated', row.id), keyring.resolve)).toBe(phone(row.id));
    }
  });

  it('refuses bad names and sizes before touching anything', async () => {
    for (const [extra, message] of [
      [{ table: 'people; DROP TABLE people' }, 'table name'],
      [{ column: 'Phone' }, 'column name'],
      [{ idColumn: 'a.b' }, 'column name'],
      [{ batchSize: 0 }, 'batch size'],
      [{ keyId: 'no:such' }, 'key id'],
    ] as const) {
      const err = await rejected(rewrap(store, keyring, 'people', extra));
      expect(err).toMatchObject({ code: 'ERR_PRIVACY_INVALID' });
      expect((err as Error).message).toContain(message);
    }
    expect(await rejected(rewrap(store, keyring, 'people', { keyId: 'never.made' }))).toMatchObject({
      code: 'ERR_PRIVACY_KEY_NOT_FOUND',
    });
  });
});
