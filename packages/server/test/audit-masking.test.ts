import { createSecretKey, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditService } from '@onegate/audit';
import { Keyring, LocalKek, openFieldText, sealField, type DataKey } from '@onegate/privacy';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { createAudit, loadConfig, migrateAll } from '../src/index.ts';

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

interface Leaf {
  actor: { type: string; id: string };
  action: string;
  outcome: string;
  reason?: string;
  target?: { subject?: string };
  source?: { address?: string; clientId?: string };
  sessionId?: string;
  details?: Record<string, unknown>;
  encryptedDetails?: string[];
  recorded: { by: string };
}

// What OneGate's own components (identity, authz, privacy, the CLI) write goes through
// `AuditService.write`, masked by the privacy detector that `createAudit` gives it.
describe.each(engines)('the audit log of OneGate components, masking personal data (%s)', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let keyring: Keyring;
  let audit: AuditService;
  const errors: unknown[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await migrateAll(store);
    const config = loadConfig({ ONEGATE_ISSUER: 'https://id.example.gov.cn' });
    const created = createAudit(config, store, (err) => errors.push(err), {
      checkpointIntervalMs: 0,
      pruneIntervalMs: 0,
    });
    audit = created.audit;
    keyring = new Keyring({ store, kek: new LocalKek(createSecretKey(randomBytes(32))), audit });
    await keyring.start();
    await created.start(keyring);
  });
  afterAll(async () => {
    await audit?.close();
    await keyring?.stop();
    await db?.drop();
    expect(errors).toEqual([]);
  });

  /** The stored leaves of `action`, oldest first: the exact text an auditor verifies. */
  async function leaves(action: string): Promise<string[]> {
    const rows = await store.query<{ leaf: Uint8Array }>(
      'SELECT leaf FROM audit_entries WHERE action = $1 ORDER BY idx',
      [action],
    );
    return rows.map((r) => Buffer.from(r.leaf).toString('utf8'));
  }

  async function stored(action: string): Promise<{ text: string; event: Leaf }> {
    const [text, ...more] = await leaves(action);
    expect(more).toEqual([]);
    return { text: text!, event: JSON.parse(text!) as Leaf };
  }

  it('masks a bank card in details before the leaf is stored', async () => {
    await audit.write({ action: 'mask.card', outcome: 'success', details: { note: `card ${CARD}` } });
    const { text, event } = await stored('mask.card');
    expect(event.details).toEqual({ note: 'card 6222 **** **** 0128' });
    expect(text).not.toContain(CARD);
    expect(event).toMatchObject({ actor: { type: 'service', id: 'onegate' }, recorded: { by: 'onegate' } });
  });

  it('masks reason and details at every depth, numbers too, and keeps the fields that name someone on purpose', async () => {
    await audit.write({
      action: 'mask.deep',
      outcome: 'failure',
      actor: 'officer@gov.example.cn',
      clientId: 'c-13800138000',
      subject: RESIDENT_ID,
      address: '203.0.113.9',
      sessionId: 's1',
      reason: `no match for ${RESIDENT_ID}`,
      details: {
        caller: { phones: [MOBILE, 13900139000], email: 'zhang.san@example.cn' },
        attempt: 2,
        at: new Date(0),
      },
    });
    const { event } = await stored('mask.deep');
    expect(event).toMatchObject({
      actor: { type: 'user', id: 'officer@gov.example.cn' },
      source: { address: '203.0.113.9', clientId: 'c-13800138000' },
      target: { subject: RESIDENT_ID },
      sessionId: 's1',
      reason: 'no match for 110105********002X',
    });
    expect(event.details).toEqual({
      caller: { phones: ['138****8000', '139****9000'], email: 'z***@example.cn' },
      attempt: 2,
      at: '1970-01-01T00:00:00.000Z',
    });
  });

  it('leaves a 16-digit number that fails Luhn as it is', async () => {
    await audit.write({
      action: 'mask.not-a-card',
      outcome: 'success',
      reason: `order ${NOT_A_CARD}`,
      details: { order: NOT_A_CARD },
    });
    const { event } = await stored('mask.not-a-card');
    expect(event.reason).toBe(`order ${NOT_A_CARD}`);
    expect(event.details).toEqual({ order: NOT_A_CARD });
  });

  it('stores ciphertext envelopes unchanged, declared or not, so they still decrypt', async () => {
    const { envelope, open } = sealed(MOBILE);
    await audit.write({
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
    const { text, event } = await stored('mask.envelopes');
    expect(event.details).toEqual({
      declared: envelope,
      declaredList: [envelope, envelope],
      undeclared: envelope,
      nested: { value: envelope, note: `${envelope} for 138****8000` },
    });
    expect(event.encryptedDetails).toEqual(['declared', 'declaredList']);
    expect(open(event.details!['undeclared'] as string)).toBe(MOBILE);
    expect(text.replaceAll(envelope, '')).not.toContain(MOBILE);
  });

  // A wrong declaration cannot leak: declared values are masked too (the detector never alters envelopes).
  it('masks a value declared as sealed that is not an envelope', async () => {
    await audit.write({
      action: 'mask.wrongly-declared',
      outcome: 'success',
      details: { phone: MOBILE, phones: [MOBILE] },
      sealedDetails: ['phone', 'phones'],
    });
    const { text, event } = await stored('mask.wrongly-declared');
    expect(event.details).toEqual({ phone: '138****8000', phones: ['138****8000'] });
    expect(text).not.toContain(MOBILE);
  });

  it('refuses an event that cannot be written as JSON without failing the others written with it', async () => {
    const looped: Record<string, unknown> = {};
    looped['self'] = looped;
    const results = await Promise.allSettled([
      audit.write({ action: 'mask.batch', outcome: 'success', subject: 'before' }),
      audit.write({ action: 'mask.batch', outcome: 'success', details: looped }),
      audit.write({ action: 'mask.batch', outcome: 'success', subject: 'after' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const events = (await leaves('mask.batch')).map((text) => JSON.parse(text) as Leaf);
    expect(events.map((e) => e.target?.subject)).toEqual(['before', 'after']);
  });

  it('keeps the keyring’s own acts in the same log, and signs checkpoints over all of it', async () => {
    // Sealing the checkpoint key made a key chain; the keyring audited that here.
    expect((await audit.query({ action: 'privacy.key.create' })).events.length).toBeGreaterThan(0);
    const note = await audit.checkpoint();
    expect(note).toMatch(/^id\.example\.gov\.cn\/audit\n\d+\n/);
  });
});
