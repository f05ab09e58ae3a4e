import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import {
  auditMigrations,
  AuditService,
  CheckpointKeys,
  ed25519NoteVerifier,
  isAuditError,
  leafHash,
  MerkleLog,
  openCheckpoint,
  pruneEntries,
  verifyInclusion,
  verifyStoredLog,
  type KeySealer,
} from '../src/index.ts';

const DAY = 86_400_000;
const ORIGIN = 'retention.test/audit';
const sealer: KeySealer = {
  seal: async (plaintext) => plaintext.toString('base64'),
  open: async (sealed) => Buffer.from(sealed, 'base64'),
};

describe.each(engines)('retention on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let audit: AuditService;
  const start = Date.UTC(2026, 0, 1);
  let now = start;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(auditMigrations);
    audit = new AuditService({
      store,
      log: new MerkleLog(store, { now: () => now }),
      keys: new CheckpointKeys(store, sealer, ORIGIN),
      origin: ORIGIN,
      checkpointIntervalMs: 0,
      pruneIntervalMs: 0,
      clock: () => now,
    });
    await audit.start();
  });
  afterAll(async () => {
    await audit?.close();
    await db?.drop();
  });

  const write = (n: number, subject: string) =>
    audit.append(
      Array.from({ length: n }, () => ({
        actor: { type: 'user', id: 'wang.clerk' },
        action: 'record.read',
        outcome: 'success',
        target: { subject },
      })),
      { clientId: 'records-app' },
    );

  it('removes old bodies in batches, keeps the tree, the old checkpoint and its proofs', async () => {
    await write(30, 'citizen-old');
    const oldNote = await audit.checkpoint();
    const oldLeaf = await audit.entry(5);
    now = start + 200 * DAY;
    await write(10, 'citizen-new');

    expect(await pruneEntries(store, { retentionDays: 180, batchSize: 7, now })).toBe(30);
    // Nothing left to prune: a second run is a no-op.
    expect(await pruneEntries(store, { retentionDays: 180, now })).toBe(0);

    expect(await verifyStoredLog(store, { pageSize: 8 })).toMatchObject({ ok: true, size: 40 });
    const err = await audit.entry(5).catch((e: unknown) => e);
    expect(isAuditError(err, 'ERR_AUDIT_NOT_FOUND')).toBe(true);
    expect((await audit.query({ subject: 'citizen-old' })).events).toEqual([]);
    expect((await audit.query({ subject: 'citizen-new' })).events).toHaveLength(10);

    // Whoever kept the old checkpoint and the entry can still prove it was logged.
    const old = openCheckpoint(oldNote, [ed25519NoteVerifier(await audit.vkey())], { origin: ORIGIN });
    const proof = await audit.inclusionProof(5, old.size);
    expect(() =>
      verifyInclusion(
        leafHash(oldLeaf),
        5,
        old.size,
        proof.hashes.map((h) => Buffer.from(h, 'base64')),
        old.root,
      ),
    ).not.toThrow();
  });

  it('never keeps less than 180 days', async () => {
    for (const retentionDays of [0, 30, 179, 180.5]) {
      const err = await pruneEntries(store, { retentionDays, now }).catch((e: unknown) => e);
      expect(isAuditError(err, 'ERR_AUDIT_INVALID')).toBe(true);
    }
  });

  it('tells a pruned body apart from a tampered one', async () => {
    await store.exec('UPDATE audit_entries SET leaf = $1 WHERE idx = 3', [Buffer.from('{"forged":true}')]);
    expect(await verifyStoredLog(store)).toMatchObject({ ok: false, firstBadIndex: 3 });
  });
});
