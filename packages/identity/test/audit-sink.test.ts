import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { auditMigrations, StoreAuditSink } from '../src/audit/audit-sink.ts';

describe.each(engines)('the store audit sink on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(auditMigrations);
  });
  afterAll(() => db?.drop());

  it('acknowledges each write only once its row is committed, many writes sharing one transaction', async () => {
    let transactions = 0;
    const counting: Store = Object.create(store, {
      transaction: {
        value: (fn: Parameters<Store['transaction']>[0]) => {
          transactions++;
          return store.transaction(fn);
        },
      },
    }) as Store;
    const sink = new StoreAuditSink(counting, { maxDelayMs: 5, maxBatch: 50 });
    await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        sink.write({ action: 'login', outcome: 'failure', subject: `acc-${i}`, reason: 'wrong_password' }),
      ),
    );
    const rows = await store.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM audit_events WHERE subject LIKE 'acc-%'",
    );
    expect(Number(rows[0]!.n)).toBe(120);
    // 120 events, batches of at most 50: three commits, not 120.
    expect(transactions).toBe(3);
  });

  it('keeps details as JSON and never drops a field', async () => {
    const sink = new StoreAuditSink(store);
    await sink.write({
      action: 'consent',
      outcome: 'success',
      actor: 'a1',
      clientId: 'c1',
      subject: 'a1',
      address: '203.0.113.9',
      sessionId: 's1',
      details: { scopes: ['profile'] },
    });
    const row = await store.one<Record<string, unknown>>(
      "SELECT actor, client_id, address, session_id, details FROM audit_events WHERE action = 'consent'",
    );
    expect(row).toEqual({
      actor: 'a1',
      client_id: 'c1',
      address: '203.0.113.9',
      session_id: 's1',
      details: '{"scopes":["profile"]}',
    });
  });

  it('rejects the writes of a batch the database refused, acknowledging none of them', async () => {
    const other = await db.open();
    const sink = new StoreAuditSink(other);
    await other.close();
    await expect(sink.write({ action: 'login', outcome: 'success' })).rejects.toMatchObject({
      code: 'ERR_STORE_CLOSED',
    });
  });

  it('flush() writes whatever is queued before the store closes', async () => {
    const other = await db.open();
    const sink = new StoreAuditSink(other, { maxDelayMs: 10_000 });
    const pending = sink.write({ action: 'logout', outcome: 'success', subject: 'flushed' });
    await sink.flush();
    await pending;
    await other.close();
    expect(await store.query("SELECT subject FROM audit_events WHERE subject = 'flushed'")).toHaveLength(1);
  });
});
