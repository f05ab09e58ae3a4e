import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import {
  auditMigrations,
  AuditService,
  CheckpointKeys,
  isAuditError,
  leafHash,
  MerkleLog,
  openCheckpoint,
  ed25519NoteVerifier,
  verifyConsistency,
  verifyInclusion,
  type AuditEvent,
  type KeySealer,
} from '../src/index.ts';

const ORIGIN = 'test.onegate.example/audit';

/** Seals by reversing and prefixing: enough to see that the stored key is not the key. */
const sealer: KeySealer = {
  seal: async (plaintext, id) => `sealed:${id}:${Buffer.from(plaintext).reverse().toString('base64')}`,
  open: async (sealed, id) => {
    const prefix = `sealed:${id}:`;
    if (!sealed.startsWith(prefix)) throw new Error('wrong place');
    return Buffer.from(sealed.slice(prefix.length), 'base64').reverse();
  },
};

/** Masks any run of 11 digits, standing in for the privacy detector. */
const masker = {
  text: (s: string) => s.replace(/\d{11}/g, (m) => `${m.slice(0, 3)}****${m.slice(7)}`),
  json: (v: unknown): unknown =>
    typeof v === 'string'
      ? masker.text(v)
      : Array.isArray(v)
        ? v.map(masker.json)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, masker.json(x)]))
          : v,
};

const event = (action: string, extra: Record<string, unknown> = {}) => ({
  actor: { type: 'user', id: 'wang.clerk', department: 'civil-affairs-hz' },
  action,
  outcome: 'success',
  ...extra,
});

describe.each(engines)('the audit service on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let audit: AuditService;
  let now = Date.UTC(2026, 10, 27, 3, 0, 0);

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(auditMigrations);
    audit = new AuditService({
      store,
      log: new MerkleLog(store),
      keys: new CheckpointKeys(store, sealer, ORIGIN),
      origin: ORIGIN,
      masker,
      checkpointIntervalMs: 0,
      clock: () => now,
    });
    await audit.start();
  });
  afterAll(async () => {
    await audit?.close();
    await db?.drop();
  });

  async function leafOf(index: number): Promise<AuditEvent> {
    return JSON.parse((await audit.entry(index)).toString('utf8')) as AuditEvent;
  }

  it('appends a batch with consecutive indexes, stamped with the writer, masked, in canonical form', async () => {
    const { first, count } = await audit.append(
      [
        event('record.read', { target: { subject: 'citizen-1' }, details: { phone: '13800138000' } }),
        event('record.update', { reason: 'called 13900001111' }),
      ],
      { clientId: 'records-app' },
    );
    expect(count).toBe(2);
    const stored = await leafOf(first);
    expect(stored).toMatchObject({
      v: 1,
      action: 'record.read',
      details: { phone: '138****8000' },
      recorded: { at: '2026-11-27T03:00:00.000Z', by: 'records-app' },
    });
    expect((await leafOf(first + 1)).reason).toBe('called 139****1111');
    // The leaf is the RFC 8785 form: keys sorted, no spaces.
    const bytes = (await audit.entry(first)).toString('utf8');
    expect(bytes.startsWith('{"action":"record.read","actor":{')).toBe(true);
  });

  it('stores no credential an app put in details: passwords, secrets and tokens become [redacted] (ASVS 16.2.5)', async () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const { first } = await audit.append(
      [
        event('record.login', {
          details: {
            password: 'hunter2-hunter2',
            request: { client_secret: 'cs-0123456789', headers: { Authorization: 'Basic dXNlcjpwYXNz' } },
            newPassword: 'another-secret-1',
            tokens: [{ accessToken: 'opaque-token-value' }],
            forwarded: jwt,
            note: 'Bearer abcdefghijklmnop',
            fields: ['name', 'id_number'],
            passport: 'E12345678',
          },
        }),
      ],
      { clientId: 'records-app' },
    );
    expect((await leafOf(first)).details).toEqual({
      password: '[redacted]',
      request: { client_secret: '[redacted]', headers: { Authorization: '[redacted]' } },
      newPassword: '[redacted]',
      tokens: [{ accessToken: '[redacted]' }],
      forwarded: '[redacted]',
      note: '[redacted]',
      fields: ['name', 'id_number'],
      passport: 'E12345678',
    });
    const bytes = (await audit.entry(first)).toString('utf8');
    for (const secret of [
      'hunter2',
      'cs-0123456789',
      'dXNlcjpwYXNz',
      'another-secret',
      'opaque-token',
      jwt,
      'abcdefghijklmnop',
    ]) {
      expect(bytes).not.toContain(secret);
    }
  });

  it('keeps values declared encrypted as they were sent', async () => {
    const envelope = 'og1:a256gcm:records.phone:1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const { first } = await audit.append(
      [
        event('record.export', {
          details: { phone: envelope, note: '13800138000' },
          encryptedDetails: ['phone'],
        }),
      ],
      { clientId: 'records-app' },
    );
    expect((await leafOf(first)).details).toEqual({ phone: envelope, note: '138****8000' });
  });

  it('keeps OneGate’s own actions for OneGate, and searches by the app that really wrote an event', async () => {
    for (const forged of [
      event('privacy.decrypt', { target: { subject: 'citizen-1' } }),
      event('login'),
      { ...event('record.read'), actor: { type: 'service', id: 'onegate' } },
    ]) {
      const err = await audit.append([forged], { clientId: 'records-app' }).catch((e: unknown) => e);
      expect(isAuditError(err, 'ERR_AUDIT_INVALID')).toBe(true);
    }
    await audit.append([event('record.claimed', { source: { clientId: 'other-app' } })], {
      clientId: 'records-app',
    });
    expect((await audit.query({ action: 'record.claimed', clientId: 'other-app' })).events).toEqual([]);
    expect((await audit.query({ action: 'record.claimed', clientId: 'records-app' })).events).toHaveLength(1);
  });

  it('refuses details nested deeper than 16 levels with a clear error, not a crash', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const err = await audit
      .append([event('record.read', { details: { deep } })], { clientId: 'records-app' })
      .catch((e: unknown) => e);
    expect(isAuditError(err, 'ERR_AUDIT_INVALID')).toBe(true);
    expect((err as Error).message).toBe('details: at most 16 levels deep');
  });

  it('refuses details over 16 KiB of JSON, saying so once, and appends nothing', async () => {
    const before = (await audit.inclusionProof(0)).size;
    const note = 'n'.repeat(16 * 1024);
    const err = await audit
      .append([event('record.read', { details: { note } })], { clientId: 'records-app' })
      .catch((e: unknown) => e);
    expect(isAuditError(err, 'ERR_AUDIT_INVALID')).toBe(true);
    expect((err as Error).message).toBe('details: at most 16384 bytes of JSON');
    expect((await audit.inclusionProof(0)).size).toBe(before);
  });

  it('refuses a batch with one bad event, naming it, and appends nothing', async () => {
    const before = (await audit.inclusionProof(0)).size;
    const err = await audit
      .append([event('a.ok'), event('b.ok'), { ...event('c'), outcome: 'perhaps' }], {
        clientId: 'records-app',
      })
      .catch((e: unknown) => e);
    expect(isAuditError(err, 'ERR_AUDIT_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/^events\[2\]: outcome/);
    expect((await audit.inclusionProof(0)).size).toBe(before);
  });

  it('appends a retried batch once, and refuses another batch under the same key', async () => {
    const batch = [event('import.row', { details: { n: 1 } })];
    const first = await audit.append(batch, { clientId: 'importer' }, { idempotencyKey: 'job-7' });
    now += 5; // a retry a moment later: the same events, the same indexes
    const again = await audit.append(batch, { clientId: 'importer' }, { idempotencyKey: 'job-7' });
    expect(again).toEqual({ ...first, replayed: true });
    const other = await audit
      .append(
        [event('import.row', { details: { n: 2 } })],
        { clientId: 'importer' },
        { idempotencyKey: 'job-7' },
      )
      .catch((e: unknown) => e);
    expect(isAuditError(other, 'ERR_AUDIT_CONFLICT')).toBe(true);
  });

  it('signs checkpoints anyone can check with the published key, and proves inclusion and consistency against them', async () => {
    const oldNote = await audit.checkpoint();
    const verifier = ed25519NoteVerifier(await audit.vkey());
    const old = openCheckpoint(oldNote, [verifier], { origin: ORIGIN });

    await audit.append([event('later.one'), event('later.two')], { clientId: 'records-app' });
    const newNote = await audit.checkpoint();
    const latest = openCheckpoint(newNote, [verifier], { origin: ORIGIN });
    expect(latest.size).toBe(old.size + 2);
    // Asking again without new entries gives the same checkpoint.
    expect(await audit.checkpoint()).toBe(newNote);

    const index = old.size - 1;
    const proof = await audit.inclusionProof(index, latest.size);
    const hash = leafHash(await audit.entry(index));
    expect(proof.leafHash).toBe(hash.toString('base64'));
    const hashes = proof.hashes.map((h) => Buffer.from(h, 'base64'));
    expect(() => verifyInclusion(hash, index, latest.size, hashes, latest.root)).not.toThrow();
    const tampered = Buffer.from(hash);
    tampered[0]! ^= 1;
    expect(() => verifyInclusion(tampered, index, latest.size, hashes, latest.root)).toThrow();

    const consistency = await audit.consistencyProof(old.size, latest.size);
    expect(() =>
      verifyConsistency(
        old.size,
        latest.size,
        consistency.hashes.map((h) => Buffer.from(h, 'base64')),
        old.root,
        latest.root,
      ),
    ).not.toThrow();
  });

  it('publishes the stored checkpoint while it is fresh, so callers cannot make it sign on every request', async () => {
    const first = await audit.publishedCheckpoint(60_000);
    await audit.append([event('more.work')], { clientId: 'records-app' });
    expect(await audit.publishedCheckpoint(60_000)).toBe(first);
    now += 60_000;
    expect(await audit.publishedCheckpoint(60_000)).not.toBe(first);
  });

  it('rotates its checkpoint key: new checkpoints under the new key, old ones still checkable, the act audited', async () => {
    const before = await audit.checkpoint();
    const oldKey = await audit.vkey();
    await audit.append([event('before.rotation')], { clientId: 'records-app' });
    const newKey = await audit.rotateKey('operator');
    expect(newKey).not.toBe(oldKey);
    const after = await audit.checkpoint();
    expect(() => openCheckpoint(after, [ed25519NoteVerifier(newKey)], { origin: ORIGIN })).not.toThrow();
    expect(() => openCheckpoint(after, [ed25519NoteVerifier(oldKey)], { origin: ORIGIN })).toThrow();
    expect(() => openCheckpoint(before, [ed25519NoteVerifier(oldKey)], { origin: ORIGIN })).not.toThrow();
    const { events } = await audit.query({ action: 'audit.checkpoint_key.rotate' });
    expect(events[0]!.event).toMatchObject({ actor: { id: 'operator' }, details: { current: newKey } });
  });

  it('says clearly when an index or size is not in the log', async () => {
    const size = (await audit.inclusionProof(0)).size;
    for (const call of [
      () => audit.inclusionProof(size, size),
      () => audit.inclusionProof(0, size + 1),
      () => audit.entry(size),
    ]) {
      expect(isAuditError(await call().catch((e: unknown) => e), 'ERR_AUDIT_NOT_FOUND')).toBe(true);
    }
    expect(isAuditError(await audit.inclusionProof(-1).catch((e: unknown) => e), 'ERR_AUDIT_INVALID')).toBe(
      true,
    );
  });

  it('records OneGate’s own acts with purpose and resource as searchable fields', async () => {
    await audit.write({
      action: 'privacy.decrypt',
      outcome: 'denied',
      actor: 'sun.police',
      clientId: 'records-app',
      subject: 'citizen-9',
      reason: 'no_matching_rule',
      details: {
        purpose: 'criminal-investigation',
        collection: 'civil-affairs-hz/residents',
        row: 'r-9',
        field: 'id_number',
      },
    });
    const { events } = await audit.query({ subject: 'citizen-9' });
    expect(events).toHaveLength(1);
    expect(events[0]!.event).toMatchObject({
      actor: { type: 'user', id: 'sun.police' },
      target: { subject: 'citizen-9', resource: 'civil-affairs-hz/residents/r-9/id_number' },
      purpose: 'criminal-investigation',
      source: { clientId: 'records-app' },
      recorded: { by: 'onegate' },
    });
  });

  it('appends the acts components write in one turn in the order written, refusing a bad one alone', async () => {
    const act = (subject: string, action = 'token.issue') => ({
      action,
      outcome: 'success' as const,
      actor: 'turn-app',
      clientId: 'turn-app',
      subject,
    });
    const before = (await audit.inclusionProof(0)).size;
    const written = [
      audit.write(act('turn-0')),
      audit.write(act('turn-1', 'Not A Slug')),
      audit.write(act('turn-2')),
      audit.write(act('turn-3')),
    ];
    const settled = await Promise.allSettled(written);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/action/);
    // Each resolved once durable: all three are in the log, one after another, the bad one nowhere.
    const subjects = await Promise.all(
      [0, 1, 2].map(async (i) => (await leafOf(before + i)).target?.subject),
    );
    expect(subjects).toEqual(['turn-0', 'turn-2', 'turn-3']);
    expect((await audit.inclusionProof(0)).size).toBe(before + 3);
  });

  it('records a component’s batch of acts as one append: consecutive, in order, all or none', async () => {
    const acts = Array.from({ length: 3 }, (_, i) => ({
      action: 'authz.decision',
      outcome: 'denied' as const,
      actor: 'records-app',
      clientId: 'records-app',
      subject: `batch-${i}`,
      reason: 'no_matching_rule',
    }));
    await audit.writeMany(acts);
    const ours = async () =>
      (await audit.query({ action: 'authz.decision' })).events
        .filter((e) => e.event.target?.subject?.startsWith('batch-'))
        .map((e) => [e.index, e.event.target?.subject]);
    const first = (await ours()).at(-1)![0] as number;
    expect(await ours()).toEqual([
      [first + 2, 'batch-2'],
      [first + 1, 'batch-1'],
      [first, 'batch-0'],
    ]);
    // One bad act refuses the whole batch: nothing of it is appended.
    await expect(
      audit.writeMany([
        { ...acts[0]!, subject: 'batch-3' },
        { ...acts[1]!, action: 'Not A Slug' },
      ]),
    ).rejects.toThrow(/events\[1\]/);
    expect(await ours()).toHaveLength(3);
  });

  it('searches by any filter, newest first, page by page without gaps or repeats', async () => {
    now = Date.UTC(2026, 10, 28);
    const batch = Array.from({ length: 25 }, (_, i) =>
      event('page.view', { purpose: i % 2 ? 'audit' : 'service' }),
    );
    await audit.append(batch, { clientId: 'portal' });
    const seen: number[] = [];
    let before: number | undefined;
    do {
      const page = await audit.query(
        { action: 'page.view', purpose: 'audit' },
        { limit: 5, ...(before === undefined ? {} : { before }) },
      );
      seen.push(...page.events.map((e) => e.index));
      before = page.nextBefore;
    } while (before !== undefined);
    expect(seen).toHaveLength(12);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    const inWindow = await audit.query({ from: Date.UTC(2026, 10, 28), to: Date.UTC(2026, 10, 29) });
    expect(inWindow.events.every((e) => e.event.action === 'page.view')).toBe(true);
  });

  it('exports the same events as CSV, JSON lines and OCSF', async () => {
    const lines = async (format: 'csv' | 'jsonl' | 'ocsf') => {
      const out: string[] = [];
      for await (const line of audit.export({ action: 'record.update' }, format)) out.push(line);
      return out;
    };
    const csv = await lines('csv');
    expect(csv[0]).toMatch(/^index,time,/);
    expect(csv).toHaveLength(2);
    expect(JSON.parse((await lines('jsonl'))[0]!)).toMatchObject({ event: { action: 'record.update' } });
    expect(JSON.parse((await lines('ocsf'))[0]!)).toMatchObject({
      class_uid: 6003,
      activity_name: 'record.update',
    });
  });
});
