import { createSecretKey, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFieldText, sealField, type DataKey } from '@onegate/privacy';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { auditMigrations, StoreAuditSink } from '../src/audit/audit-sink.ts';

/** Luhn-valid UnionPay number. */
const CARD = '6222021234567890128';
/** Sixteen digits failing Luhn: not a card. */
const NOT_A_CARD = '6222021234567895';
const RESIDENT_ID = '11010519491231002X';
const MOBILE = '13800138000';

/** A real envelope under a subject key whose id contains an ID number, as crypto-shredding keys do. */
function sealed(plaintext: string): { envelope: string; open: (text: string) => string } {
  const key: DataKey = {
    keyId: `subject.${RESIDENT_ID}`,
    version: 1,
    algorithm: 'aes-256-gcm',
    material: createSecretKey(randomBytes(32)),
  };
  const context = { table: 'accounts', column: 'phone', row: 'a1' };
  return {
    envelope: sealField(key, plaintext, context),
    open: (text) => openFieldText(text, context, () => key),
  };
}

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
  describe('masking personal data', () => {
    async function stored(action: string): Promise<{ reason: string | null; details: string | null }> {
      return store.one<{ reason: string | null; details: string | null }>(
        'SELECT reason, details FROM audit_events WHERE action = $1',
        [action],
      );
    }

    it('masks a bank card in details before the row is stored', async () => {
      const sink = new StoreAuditSink(store);
      await sink.write({ action: 'mask.card', outcome: 'success', details: { note: `card ${CARD}` } });
      const row = await stored('mask.card');
      expect(JSON.parse(row.details!)).toEqual({ note: 'card 6222 **** **** 0128' });
      expect(row.details).not.toContain(CARD);
    });

    it('masks reason and details at every depth, numbers too, and keeps the fields that name someone on purpose', async () => {
      const sink = new StoreAuditSink(store);
      await sink.write({
        action: 'mask.deep',
        outcome: 'failure',
        actor: 'officer@gov.example.cn',
        clientId: 'c-13800138000',
        subject: RESIDENT_ID,
        reason: `no match for ${RESIDENT_ID}`,
        details: {
          caller: { phones: [MOBILE, 13900139000], email: 'zhang.san@example.cn' },
          attempt: 2,
          at: new Date(0),
        },
      });
      const row = await store.one<Record<string, string>>(
        "SELECT actor, client_id, subject, reason, details FROM audit_events WHERE action = 'mask.deep'",
      );
      expect(row).toMatchObject({
        actor: 'officer@gov.example.cn',
        client_id: 'c-13800138000',
        subject: RESIDENT_ID,
        reason: 'no match for 110105********002X',
      });
      expect(JSON.parse(row['details']!)).toEqual({
        caller: { phones: ['138****8000', '139****9000'], email: 'z***@example.cn' },
        attempt: 2,
        at: '1970-01-01T00:00:00.000Z',
      });
    });

    it('leaves a 16-digit number that fails Luhn as it is', async () => {
      const sink = new StoreAuditSink(store);
      await sink.write({
        action: 'mask.not-a-card',
        outcome: 'success',
        reason: `order ${NOT_A_CARD}`,
        details: { order: NOT_A_CARD },
      });
      const row = await stored('mask.not-a-card');
      expect(row.reason).toBe(`order ${NOT_A_CARD}`);
      expect(JSON.parse(row.details!)).toEqual({ order: NOT_A_CARD });
    });

    it('stores ciphertext envelopes unchanged, declared or not, so they still decrypt', async () => {
      const { envelope, open } = sealed(MOBILE);
      const sink = new StoreAuditSink(store);
      await sink.write({
        action: 'mask.envelopes',
        outcome: 'success',
        details: {
          declared: envelope,
          declaredList: [envelope, envelope],
          undeclared: envelope,
          nested: { value: envelope, note: `${envelope} for ${MOBILE}` },
        },
        sealedDetails: ['declared', 'declaredList'],
      });
      const details = JSON.parse((await stored('mask.envelopes')).details!) as Record<string, unknown>;
      expect(details).toEqual({
        declared: envelope,
        declaredList: [envelope, envelope],
        undeclared: envelope,
        nested: { value: envelope, note: `${envelope} for 138****8000` },
      });
      expect(open(details['undeclared'] as string)).toBe(MOBILE);
    });

    it('masks a value declared as sealed that is not an envelope', async () => {
      const sink = new StoreAuditSink(store);
      await sink.write({
        action: 'mask.wrongly-declared',
        outcome: 'success',
        details: { phone: MOBILE, phones: [MOBILE] },
        sealedDetails: ['phone', 'phones'],
      });
      expect(JSON.parse((await stored('mask.wrongly-declared')).details!)).toEqual({
        phone: '138****8000',
        phones: ['138****8000'],
      });
    });

    it('refuses an event that cannot be written as JSON without failing the others of its batch', async () => {
      const sink = new StoreAuditSink(store, { maxDelayMs: 20 });
      const looped: Record<string, unknown> = {};
      looped['self'] = looped;
      const results = await Promise.allSettled([
        sink.write({ action: 'mask.batch', outcome: 'success', subject: 'before' }),
        sink.write({ action: 'mask.batch', outcome: 'success', details: looped }),
        sink.write({ action: 'mask.batch', outcome: 'success', subject: 'after' }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const rows = await store.query<{ subject: string }>(
        "SELECT subject FROM audit_events WHERE action = 'mask.batch' ORDER BY seq",
      );
      expect(rows.map((r) => r.subject)).toEqual(['before', 'after']);
    });
  });
});
