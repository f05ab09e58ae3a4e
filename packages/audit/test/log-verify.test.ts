import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { auditMigrations, leafHash, MerkleLog, verifyStoredLog } from '../src/index.ts';
import { referenceRoot } from './support/reference-tree.ts';

const SIZE = 100;
const leafAt = (i: number) => Buffer.from(`event ${i}`);

describe.each(engines)('verifying the stored log on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(auditMigrations);
    const log = new MerkleLog(store);
    for (let i = 0; i < SIZE; i += 10) {
      await log.append(Array.from({ length: 10 }, (_, j) => ({ leaf: leafAt(i + j) })));
    }
  });
  afterEach(() => db?.drop());

  const verify = () => verifyStoredLog(store, { pageSize: 16 });

  it('passes an intact log, whatever the page size, and gives its root', async () => {
    const root = referenceRoot(Array.from({ length: SIZE }, (_, i) => leafAt(i)));
    for (const pageSize of [1, 7, 16, 64, 10_000]) {
      expect(await verifyStoredLog(store, { pageSize })).toEqual({ ok: true, size: SIZE, root });
    }
  });

  it('names a leaf whose bytes were changed', async () => {
    await store.exec('UPDATE audit_entries SET leaf = $1 WHERE idx = 37', [Buffer.from('event 999')]);
    expect(await verify()).toMatchObject({
      ok: false,
      firstBadIndex: 37,
      reason: 'the stored leaf hash does not match the leaf',
    });
  });

  it('finds a leaf rewritten together with its leaf hash, at the pair of leaves above it', async () => {
    const forged = Buffer.from('event 999');
    await store.exec('UPDATE audit_entries SET leaf = $1, leaf_hash = $2 WHERE idx = 37', [
      forged,
      leafHash(forged),
    ]);
    expect(await verify()).toMatchObject({
      ok: false,
      firstBadIndex: 36,
      reason: 'node (1, 18) does not match the leaves below it',
    });
  });

  it('names a deleted row, the last one too', async () => {
    await store.exec('DELETE FROM audit_entries WHERE idx = 99');
    expect(await verify()).toMatchObject({ ok: false, firstBadIndex: 99, reason: 'the entry is missing' });
    await store.exec('DELETE FROM audit_entries WHERE idx = 50');
    expect(await verify()).toMatchObject({ ok: false, firstBadIndex: 50, reason: 'the entry is missing' });
  });

  it('finds two swapped rows at the first of them', async () => {
    const rows = await store.query<{ idx: number; leaf: Buffer; leaf_hash: Buffer }>(
      'SELECT idx, leaf, leaf_hash FROM audit_entries WHERE idx IN (20, 61) ORDER BY idx',
    );
    await store.transaction(async (tx) => {
      for (const [row, other] of [
        [rows[0]!, rows[1]!],
        [rows[1]!, rows[0]!],
      ] as const) {
        const sql = 'UPDATE audit_entries SET leaf = $1, leaf_hash = $2 WHERE idx = $3';
        await tx.exec(sql, [other.leaf, other.leaf_hash, row.idx]);
      }
    });
    expect(await verify()).toMatchObject({ ok: false, firstBadIndex: 20 });
  });

  it('names the first leaf below a stored node that was changed', async () => {
    await store.exec('UPDATE audit_nodes SET hash = $1 WHERE level = 3 AND idx = 5', [Buffer.alloc(32, 7)]);
    expect(await verify()).toMatchObject({
      ok: false,
      firstBadIndex: 40,
      reason: 'node (3, 5) does not match the leaves below it',
    });
  });

  it('finds a missing node', async () => {
    await store.exec('DELETE FROM audit_nodes WHERE level = 2 AND idx = 20');
    expect(await verify()).toMatchObject({ ok: false, firstBadIndex: 80, reason: 'node (2, 20) is missing' });
  });

  it('refuses a head whose root or size does not match the entries', async () => {
    await store.exec('UPDATE audit_head SET root = $1', [Buffer.alloc(32)]);
    expect(await verify()).toMatchObject({
      ok: false,
      firstBadIndex: SIZE,
      reason: 'the tree head root does not match the entries',
    });
    const root = referenceRoot(Array.from({ length: 90 }, (_, i) => leafAt(i)));
    await store.exec('UPDATE audit_head SET size = 90, root = $1', [root]);
    expect(await verify()).toMatchObject({
      ok: false,
      firstBadIndex: 90,
      reason: 'an entry lies beyond the tree head',
    });
  });

  it('finds a node planted beyond the head', async () => {
    await store.exec('INSERT INTO audit_nodes (level, idx, hash) VALUES (2, 25, $1)', [Buffer.alloc(32, 1)]);
    expect(await verify()).toMatchObject({
      ok: false,
      firstBadIndex: SIZE,
      reason: 'node (2, 25) lies beyond the tree head',
    });
    await store.exec('DELETE FROM audit_nodes WHERE level = 2 AND idx = 25');
    await store.exec('INSERT INTO audit_nodes (level, idx, hash) VALUES (9, 0, $1)', [Buffer.alloc(32, 1)]);
    expect(await verify()).toMatchObject({
      ok: false,
      firstBadIndex: SIZE,
      reason: 'node (9, 0) lies beyond the tree head',
    });
  });
});
