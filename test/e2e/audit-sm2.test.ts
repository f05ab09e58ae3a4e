import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint, parseNote, vkeyVerifier } from '@onegate/audit';
import { createLogger, loadConfig, startServer, type RunningServer } from '@onegate/server';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import { freePort } from './support/platform.ts';
import { onegate } from './support/serve-process.ts';

/** The type byte that starts the key of a vkey (0x01 Ed25519, 0xff SM2). */
const typeOf = (vkey: string) =>
  Buffer.from(vkey.slice(vkey.indexOf('+', vkey.indexOf('+') + 1) + 1), 'base64')[0];

describe.each(engines)('a GM deployment’s checkpoints over HTTP and the CLI, on %s', (engine) => {
  let db: TestDatabase;
  let server: RunningServer;
  let issuer: string;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    dir = mkdtempSync(join(tmpdir(), 'onegate-gm-'));
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    env = {
      ONEGATE_PORT: String(port),
      ONEGATE_ISSUER: issuer,
      ONEGATE_DATA_DIR: db.location.dataDir ?? dir,
      ONEGATE_LOG_LEVEL: 'silent',
      ONEGATE_AUDIT_CHECKPOINT_SM2: 'true',
      ...(db.location.databaseUrl ? { ONEGATE_DATABASE_URL: db.location.databaseUrl } : {}),
    };
    const config = loadConfig(env);
    server = await startServer(config, { logger: createLogger(config) });
  });
  afterAll(async () => {
    await server?.shutdown();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string) => fetch(`${issuer}/api/v1/audit${path}`);

  it('publishes a checkpoint with an Ed25519 and an SM2 line, the Ed25519 vkey, and the SM2 vkey on request', async () => {
    await server.audit.checkpoint();
    const [noteRes, keyRes, sm2Res, edRes, badRes] = await Promise.all([
      get('/checkpoint'),
      get('/key'),
      get('/key?type=sm2'),
      get('/key?type=ed25519'),
      get('/key?type=rsa'),
    ]);
    const note = await noteRes.text();
    const key = await keyRes.text();
    const sm2 = await sm2Res.text();
    expect(sm2Res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    // One vkey per answer: the default stays what any C2SP verifier reads.
    expect(key.split('\n')).toEqual([expect.any(String), '']);
    expect(typeOf(key.trim())).toBe(0x01);
    expect(await edRes.text()).toBe(key);
    expect(typeOf(sm2.trim())).toBe(0xff);
    expect(badRes.status).toBe(400);

    const { signatures } = parseNote(note);
    const origin = server.audit.origin;
    expect(signatures.map((s) => s.name)).toEqual([origin, origin]);
    const ed = vkeyVerifier(key.trim());
    const sm = vkeyVerifier(sm2.trim());
    expect(signatures.map((s) => s.keyId)).toEqual([ed.keyId, sm.keyId]);
    expect(openCheckpoint(note, [sm], { origin }).size).toBeGreaterThan(0);
    expect(openCheckpoint(note, [ed], { origin }).size).toBeGreaterThan(0);
  });

  it('`onegate audit verify` passes with the published SM2 key alone, against the database and offline', async () => {
    const sm2 = (await (await get('/key?type=sm2')).text()).trim();
    await server.audit.flush();
    await server.audit.checkpoint();
    const note = await (await get('/checkpoint')).text();
    const checkpoint = join(dir, 'checkpoint.txt');
    const leaves = join(dir, 'leaves.jsonl');
    writeFileSync(checkpoint, note);
    await onegate(['audit', 'export', '--format', 'leaves', '--output', leaves], env);
    const stored = await onegate(['audit', 'verify', '--key', sm2], env);
    expect(stored).toMatch(/\nok: /);
    const offline = await onegate(
      ['audit', 'verify', '--export', leaves, '--checkpoint', checkpoint, '--key', sm2],
      {},
    );
    expect(offline).toMatch(/signature verified with the given key\n/);
    expect(offline).toMatch(/\nok: the export matches the checkpoint\n$/);
  });
});
