import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import {
  auditMigrations,
  AuditService,
  CheckpointKeys,
  isAuditError,
  MerkleLog,
  openCheckpoint,
  openNote,
  parseNote,
  vkeyVerifier,
  type KeySealer,
} from '../src/index.ts';

const ORIGIN = 'gm.onegate.example/audit';

/** Seals by reversing under the key's id, and remembers each id it sealed. */
const sealedIds: string[] = [];
const sealer: KeySealer = {
  seal: async (plaintext, id) => {
    sealedIds.push(id);
    return `sealed:${id}:${Buffer.from(plaintext).reverse().toString('base64')}`;
  },
  open: async (sealed, id) => {
    const prefix = `sealed:${id}:`;
    if (!sealed.startsWith(prefix)) throw new Error('wrong place');
    return Buffer.from(sealed.slice(prefix.length), 'base64').reverse();
  },
};

const event = { actor: { type: 'user', id: 'li.clerk' }, action: 'record.read', outcome: 'success' };

describe.each(engines)('a GM deployment signing checkpoints with SM2 too, on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  const services: AuditService[] = [];

  async function service(sm2: boolean): Promise<AuditService> {
    const audit = new AuditService({
      store,
      log: new MerkleLog(store),
      keys: new CheckpointKeys(store, sealer, ORIGIN, { sm2 }),
      origin: ORIGIN,
      checkpointIntervalMs: 0,
      pruneIntervalMs: 0,
    });
    await audit.start();
    services.push(audit);
    return audit;
  }

  const keyRows = () =>
    store.query<{ id: string; kind: string; state: string; vkey: string; sealed_private: string }>(
      'SELECT id, kind, state, vkey, sealed_private FROM audit_checkpoint_keys ORDER BY created_at, id',
    );

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    await store.migrate(auditMigrations);
  });
  afterAll(async () => {
    for (const audit of services) await audit.close();
    await db?.drop();
  });

  it('a log without SM2 signs one Ed25519 line and has no SM2 key to publish', async () => {
    const audit = await service(false);
    await audit.append([event], { clientId: 'records-app' });
    const note = await audit.checkpoint();
    expect(parseNote(note).signatures).toHaveLength(1);
    expect(await audit.vkeys()).toEqual([await audit.vkey()]);
    const err = await audit.vkey('sm2').catch((e: unknown) => e);
    expect(isAuditError(err, 'ERR_AUDIT_NOT_FOUND')).toBe(true);
  });

  it('turned on, keeps the Ed25519 key, adds a sealed SM2 key, and signs each checkpoint with both', async () => {
    const before = await keyRows();
    const audit = await service(true);
    const [edVkey, smVkey] = await audit.vkeys();
    expect(edVkey).toBe(before[0]!.vkey);
    expect(smVkey).toBe(await audit.vkey('sm2'));
    expect(Buffer.from(smVkey!.slice(smVkey!.indexOf('+', ORIGIN.length + 1) + 1), 'base64')[0]).toBe(0xff);

    const rows = await keyRows();
    expect(rows.map((r) => [r.kind, r.state])).toEqual([
      ['ed25519', 'current'],
      ['sm2', 'current'],
    ]);
    // Sealed like the Ed25519 key, under an id that names its kind; the private key is not stored in the clear.
    expect(rows[1]!.id).toMatch(/^sm2-[0-9a-f]{8}-\d+$/);
    expect(sealedIds).toContain(rows[1]!.id);
    expect(rows[1]!.sealed_private.startsWith(`sealed:${rows[1]!.id}:`)).toBe(true);

    await audit.append([event], { clientId: 'records-app' });
    const note = await audit.checkpoint();
    const { signatures } = parseNote(note);
    expect(signatures.map((s) => s.name)).toEqual([ORIGIN, ORIGIN]);
    const ed = vkeyVerifier(edVkey!);
    const sm = vkeyVerifier(smVkey!);
    expect(signatures.map((s) => s.keyId)).toEqual([ed.keyId, sm.keyId]);
    expect(openCheckpoint(note, [sm], { origin: ORIGIN }).size).toBe(2);
    expect(openCheckpoint(note, [ed], { origin: ORIGIN }).size).toBe(2);
    expect(openNote(note, [ed, sm]).verifiedBy).toHaveLength(2);
  });

  it('a restarted instance unseals the same two keys rather than making new ones', async () => {
    const first = await (await service(true)).vkeys();
    const again = await service(true);
    expect(await again.vkeys()).toEqual(first);
    expect((await keyRows()).filter((r) => r.state === 'current')).toHaveLength(2);
  });

  it('rotation replaces both keys in one act: old checkpoints still verify with the stored keys, and the act names both', async () => {
    const audit = await service(true);
    await audit.append([event], { clientId: 'records-app' });
    const before = await audit.checkpoint();
    const [oldEd, oldSm] = await audit.vkeys();
    const newEd = await audit.rotateKey('operator');
    const [currentEd, newSm] = await audit.vkeys();
    expect(currentEd).toBe(newEd);
    expect(newEd).not.toBe(oldEd);
    expect(newSm).not.toBe(oldSm);

    const after = await audit.checkpoint();
    expect(() => openCheckpoint(after, [vkeyVerifier(newSm!)])).not.toThrow();
    expect(() => openCheckpoint(after, [vkeyVerifier(oldSm!)])).toThrow();
    expect(() => openCheckpoint(before, [vkeyVerifier(oldSm!)])).not.toThrow();
    const stored = await new CheckpointKeys(store, sealer, ORIGIN).verifiers();
    expect(stored).toHaveLength(4);
    for (const note of [before, after]) expect(openNote(note, stored).verifiedBy).toHaveLength(2);

    const { events } = await audit.query({ action: 'audit.checkpoint_key.rotate' });
    expect(events[0]!.event.details).toEqual({
      previous: oldEd,
      current: newEd,
      previousSm2: oldSm,
      currentSm2: newSm,
    });
  });

  it('turned off again, signs with Ed25519 alone; SM2-signed checkpoints stay checkable', async () => {
    const withSm2 = await services.at(-1)!.checkpoint();
    const audit = await service(false);
    await audit.append([event], { clientId: 'records-app' });
    const note = await audit.checkpoint();
    expect(parseNote(note).signatures).toHaveLength(1);
    const stored = await new CheckpointKeys(store, sealer, ORIGIN).verifiers();
    expect(openNote(withSm2, stored).verifiedBy).toHaveLength(2);
  });
});
