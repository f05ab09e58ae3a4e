import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditMigrations,
  AuditService,
  CheckpointKeys,
  ed25519NoteSigner,
  generateSm2PrivateKey,
  MerkleLog,
  pruneEntries,
  readNodes,
  rootAt,
  sm2NoteSigner,
  type KeySealer,
} from '@onegate/audit';
import { openStore } from '@onegate/store';
import { freshDataDir, json, onegate, type Result } from './run-onegate.ts';

const bin = fileURLToPath(new URL('../bin/onegate.js', import.meta.url));
/** The origin of the default issuer, http://localhost:8080. */
const ORIGIN = 'localhost:8080/audit';

/** Appends only: a checkpoint key is never opened here, the CLI signs. */
const noSealer: KeySealer = {
  seal: () => Promise.reject(new Error('not in this test')),
  open: () => Promise.reject(new Error('not in this test')),
};

/** Seals in the clear: for a log the CLI only verifies, never signs. */
const plainSealer: KeySealer = {
  seal: async (plaintext) => plaintext.toString('base64'),
  open: async (sealed) => Buffer.from(sealed, 'base64'),
};

/** The event an app writes as entry `i`: a clerk reading (every fifth, exporting) a citizen's record. */
const event = (i: number) => ({
  actor: { type: 'user', id: `clerk-${i % 3}`, department: 'civil-affairs-hz' },
  action: i % 5 === 0 ? 'record.export' : 'record.read',
  target: { resource: `civil-affairs-hz/marriage/${1000 + i}`, subject: `citizen-${i}` },
  outcome: i % 7 === 0 ? 'denied' : 'success',
  purpose: 'case-handling',
});

interface VerifyJson {
  ok: boolean;
  size: number;
  checkpoints: number;
  entriesPerSecond: number;
  firstBadIndex?: number;
  failures: Array<{ check: string; reason: string; firstBadIndex?: number }>;
}

// Each step spawns a fresh onegate (about a second and a half): related checks share a test, and
// independent runs go side by side.
describe('onegate audit (sqlite)', { timeout: 90_000 }, () => {
  let root: string;
  let dataDir: string;
  const env = () => ({ ONEGATE_DATA_DIR: dataDir });
  const run = (...args: string[]) => onegate(args, env());
  const runOn = (dir: string, ...args: string[]) => onegate(args, { ONEGATE_DATA_DIR: dir });

  /** Appends entries `from` to `to - 1` the way an app does, one event per call, all at once. */
  async function appendEvents(from: number, to: number): Promise<void> {
    const store = await openStore({ dataDir });
    try {
      const audit = new AuditService({
        store,
        log: new MerkleLog(store),
        keys: new CheckpointKeys(store, noSealer, ORIGIN),
        origin: ORIGIN,
        checkpointIntervalMs: 0,
      });
      const results = await Promise.all(
        Array.from({ length: to - from }, (_, k) =>
          audit.append([event(from + k)], { clientId: 'case-app' }),
        ),
      );
      expect(results.map((r) => r.first).sort((a, b) => a - b)).toEqual(
        Array.from({ length: to - from }, (_, k) => from + k),
      );
    } finally {
      await store.close();
    }
  }

  /** A copy of the database in a data folder of its own, to tamper with. */
  function copyOfLog(name: string): { dir: string; db: DatabaseSync } {
    const dir = join(root, name);
    mkdirSync(dir);
    const source = new DatabaseSync(join(dataDir, 'onegate.db'));
    source.exec(`VACUUM INTO '${join(dir, 'onegate.db')}'`);
    source.close();
    return { dir, db: new DatabaseSync(join(dir, 'onegate.db')) };
  }

  const leafOf = (db: DatabaseSync, index: number) =>
    Buffer.from(
      (db.prepare('SELECT leaf FROM audit_entries WHERE idx = ?').get(index) as { leaf: Uint8Array }).leaf,
    );

  beforeAll(async () => {
    root = freshDataDir();
    dataDir = join(root, 'main');
    // The first checkpoint makes the KEK (development), the signing key (entry 0 audits its key chain) and signs size 1.
    expect((await run('audit', 'checkpoint')).code).toBe(0);
    await appendEvents(1, 41);
    expect((await run('audit', 'checkpoint')).code).toBe(0);
    await appendEvents(41, 61);
    expect((await run('audit', 'checkpoint')).code).toBe(0);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('verify passes the intact log and its three checkpoints; tail and export show its events; the export is audited', async () => {
    const [verified, tail] = await Promise.all([
      run('audit', 'verify', '--json'),
      run('audit', 'tail', '-n', '3'),
    ]);
    // After them: the export appends its own record, entry 61.
    const csv = await run('audit', 'export', '--format', 'csv', '--action', 'record.export');
    expect(verified.code).toBe(0);
    const report = json<VerifyJson>(verified);
    expect(report).toMatchObject({ ok: true, size: 61, checkpoints: 3, failures: [] });
    expect(report.entriesPerSecond).toBeGreaterThan(0);

    expect(tail.code).toBe(0);
    const lines = tail.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}#60 {2}success {2}record\.export {2}user:clerk-0@civil-affairs-hz {2}subject=citizen-60 {2}resource=civil-affairs-hz\/marriage\/1060$/,
    );

    expect(csv.code).toBe(0);
    const rows = csv.stdout.trimEnd().split('\r\n');
    expect(rows[0]).toMatch(/^index,time,actor_type,actor_id,/);
    // Entries 5, 10, … 60, newest first.
    expect(rows.slice(1).map((row) => Number(row.split(',')[0]))).toEqual([
      60, 55, 50, 45, 40, 35, 30, 25, 20, 15, 10, 5,
    ]);
    const main = new DatabaseSync(join(dataDir, 'onegate.db'));
    const record = JSON.parse(leafOf(main, 61).toString('utf8')) as Record<string, unknown>;
    main.close();
    expect(record).toMatchObject({
      action: 'audit.export',
      actor: { type: 'service', id: 'operator' },
      details: { format: 'csv', filter: { action: 'record.export' } },
    });
  });

  it('verify fails (exit 1) on a changed byte, a deleted row, two swapped rows, a cut tail and a consistent rewrite, naming the first bad index', async () => {
    const changed = copyOfLog('changed');
    const leaf = leafOf(changed.db, 17);
    const digit = leaf.indexOf('clerk-') + 6;
    leaf[digit] = leaf[digit]! ^ 0x01;
    changed.db.prepare('UPDATE audit_entries SET leaf = ? WHERE idx = 17').run(leaf);

    const deleted = copyOfLog('deleted');
    deleted.db.exec('DELETE FROM audit_entries WHERE idx = 30');

    // Leaves and their hashes swapped: each row is self-consistent, the tree above them is not.
    const swapped = copyOfLog('swapped');
    const rowOf = (index: number) =>
      swapped.db.prepare('SELECT leaf, leaf_hash FROM audit_entries WHERE idx = ?').get(index) as {
        leaf: Uint8Array;
        leaf_hash: Uint8Array;
      };
    const [row20, row33] = [rowOf(20), rowOf(33)];
    const swap = swapped.db.prepare('UPDATE audit_entries SET leaf = ?, leaf_hash = ? WHERE idx = ?');
    swap.run(row33.leaf, row33.leaf_hash, 20);
    swap.run(row20.leaf, row20.leaf_hash, 33);

    // The last 11 entries removed with their nodes, the head set back to the tree of 50: the stored
    // tree is whole, only the checkpoint of size 61 shows what is missing.
    const cut = copyOfLog('cut');
    const cutStore = await openStore({ dataDir: cut.dir });
    const rootOf50 = await rootAt(50, (keys) => readNodes(cutStore, keys));
    await cutStore.close();
    cut.db.exec('DELETE FROM audit_entries WHERE idx >= 50');
    cut.db.exec('DELETE FROM audit_nodes WHERE (idx + 1) * (1 << level) > 50');
    cut.db.prepare('UPDATE audit_head SET size = 50, root = ?').run(rootOf50);

    // Entry 45 forged and every hash above it recomputed (a fresh log of the same leaves lends its
    // nodes and head): only the checkpoint of size 61 can tell, and the one of size 41 still holds.
    const rewritten = copyOfLog('rewritten');
    const leaves = (
      rewritten.db.prepare('SELECT leaf FROM audit_entries ORDER BY idx').all() as Array<{ leaf: Uint8Array }>
    ).map((row) => Buffer.from(row.leaf));
    leaves[45] = Buffer.from(leaves[45]!.toString('utf8').replace('record.export', 'record.delete'));
    const forgerDir = join(root, 'forger');
    const forger = await openStore({ dataDir: forgerDir });
    await forger.migrate(auditMigrations);
    await new MerkleLog(forger).append(leaves.map((l) => ({ leaf: l })));
    await forger.close();
    rewritten.db.exec(`ATTACH DATABASE '${join(forgerDir, 'onegate.db')}' AS forged`);
    rewritten.db.exec(`DELETE FROM audit_nodes;
      INSERT INTO audit_nodes SELECT * FROM forged.audit_nodes;
      UPDATE audit_entries SET leaf = (SELECT leaf FROM forged.audit_entries WHERE idx = 45),
                               leaf_hash = (SELECT leaf_hash FROM forged.audit_entries WHERE idx = 45) WHERE idx = 45;
      UPDATE audit_head SET root = (SELECT root FROM forged.audit_head);`);
    rewritten.db.exec('DETACH DATABASE forged');

    for (const copy of [changed, deleted, swapped, cut, rewritten]) copy.db.close();
    const results = await Promise.all(
      [changed, deleted, swapped, cut, rewritten].map((copy) => runOn(copy.dir, 'audit', 'verify')),
    );
    const expectFailure = (result: Result, index: number, reason: RegExp) => {
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`FAILED: the first entry that cannot be trusted is index ${index}\n`);
      expect(result.stdout).toMatch(reason);
      expect(result.stderr).toBe(`onegate: the audit log does not verify (first bad index ${index})\n`);
    };
    const [changedRun, deletedRun, swappedRun, cutRun, rewrittenRun] = results as [
      Result,
      Result,
      Result,
      Result,
      Result,
    ];
    expectFailure(changedRun, 17, /entries: the stored leaf hash does not match the leaf \(index 17\)/);
    expectFailure(deletedRun, 30, /entries: the entry is missing \(index 30\)/);
    expectFailure(swappedRun, 20, /entries: node \(1, 10\) does not match the leaves below it \(index 20\)/);
    expectFailure(cutRun, 50, /checkpoint of size 61: it covers 61 entries but the log holds 50/);
    expect(cutRun.stdout).not.toMatch(/\n {2}entries:/);
    expectFailure(
      rewrittenRun,
      41,
      /checkpoint of size 61: its root differs from the stored tree of that size: an entry from index 41 to 60 was changed/,
    );
    expect(rewrittenRun.stdout).not.toMatch(/\n {2}entries:/);
  });

  it('a leaves export verifies offline against a signed checkpoint and the published key, and fails once one line is edited', async () => {
    const exported = join(root, 'leaves.jsonl');
    // 61 entries, the csv export's record, and this export's own record: 63.
    const [exportRun, refused] = await Promise.all([
      run('audit', 'export', '--format', 'leaves', '--output', exported),
      run('audit', 'export', '--format', 'leaves', '--action', 'record.read'),
    ]);
    const [checkpointRun, keyRun] = await Promise.all([
      run('audit', 'checkpoint'),
      run('audit', 'key', '--json'),
    ]);
    expect(exportRun).toMatchObject({ code: 0, stderr: `onegate: exported 63 entries to ${exported}\n` });
    expect(checkpointRun.code).toBe(0);
    expect(checkpointRun.stdout).toMatch(
      /^localhost:8080\/audit\n63\n[A-Za-z0-9+/]{43}=\ntimestamp \d+\n\n— localhost:8080\/audit /,
    );
    const { vkey } = json<{ vkey: string }>(keyRun);
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toMatch(/--format leaves takes no filter/);

    const checkpoint = join(root, 'checkpoint.txt');
    writeFileSync(checkpoint, checkpointRun.stdout);
    const lines = readFileSync(exported, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(63);
    const edited = join(root, 'edited.jsonl');
    const line = JSON.parse(lines[10]!) as { index: number; leaf: string };
    const bytes = Buffer.from(line.leaf, 'base64');
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0x01;
    writeFileSync(
      edited,
      [
        ...lines.slice(0, 10),
        JSON.stringify({ index: 10, leaf: bytes.toString('base64') }),
        ...lines.slice(11),
      ].join('\n'),
    );
    const otherKey = ed25519NoteSigner(ORIGIN, generateKeyPairSync('ed25519').privateKey).vkey;

    const offline = (file: string, key: string) =>
      onegate(['audit', 'verify', '--export', file, '--checkpoint', checkpoint, '--key', key], {});
    const [ok, tampered, wrongKey] = await Promise.all([
      offline(exported, vkey),
      offline(edited, vkey),
      offline(exported, otherKey),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /^checkpoint: {2}localhost:8080\/audit, size 63, signature verified with the given key\n/,
    );
    expect(ok.stdout).toMatch(/\nexport: {6}63 entries hashed in [\d.]+ s \([\d,]+ entries\/s\)\n/);
    expect(ok.stdout).toMatch(/\nok: the export matches the checkpoint\n$/);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(
      /the first 63 entries of the export do not hash to the checkpoint's root/,
    );
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toBe("FAILED: the checkpoint's signature does not verify with the given key\n");
  });

  it('entries pruned by retention are exported by their leaf hash, and the export still verifies offline', async () => {
    const pruned = copyOfLog('pruned');
    pruned.db.exec('UPDATE audit_entries SET at = 0 WHERE idx < 10');
    pruned.db.close();
    const store = await openStore({ dataDir: pruned.dir });
    expect(await pruneEntries(store, { retentionDays: 180 })).toBe(10);
    await store.close();

    const [exported, key, tail] = await Promise.all([
      runOn(pruned.dir, 'audit', 'export', '--format', 'leaves'),
      run('audit', 'key'),
      runOn(pruned.dir, 'audit', 'tail', '-n', '100', '--json'),
    ]);
    const lines = exported.stdout.trimEnd().split('\n');
    const [prunedLine, keptLine] = [lines[9]!, lines[10]!].map(
      (line) => JSON.parse(line) as { index: number; leaf?: string; leafHash?: string; pruned?: true },
    );
    expect(Object.keys(prunedLine!)).toEqual(['index', 'leafHash', 'pruned']);
    expect(prunedLine).toMatchObject({ index: 9, pruned: true });
    expect(prunedLine!.leafHash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(Object.keys(keptLine!)).toEqual(['index', 'leaf']);
    expect(JSON.parse(tail.stdout.split('\n')[0]!)).toEqual({ index: 0, pruned: true });

    const file = join(root, 'pruned.jsonl');
    writeFileSync(file, exported.stdout);
    const checkpoint = join(root, 'checkpoint-61.txt');
    const main = new DatabaseSync(join(dataDir, 'onegate.db'));
    const { note } = main.prepare('SELECT note FROM audit_checkpoints WHERE size = 61').get() as {
      note: string;
    };
    main.close();
    writeFileSync(checkpoint, note);
    const verified = await onegate(
      ['audit', 'verify', '--export', file, '--checkpoint', checkpoint, '--key', key.stdout.trim()],
      {},
    );
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(
      /61 entries hashed .*; 10 entries pruned by retention, taken by their leaf hash\n/,
    );
  });

  it('tail --follow prints what is appended until Ctrl-C, then exits 0', async () => {
    const child = spawn(process.execPath, [bin, 'audit', 'tail', '-n', '1', '--follow'], {
      env: { PATH: process.env['PATH'] ?? '', ...env() },
      timeout: 30_000,
    });
    let stdout = '';
    const seen = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (stdout.includes(text)) resolve();
          else setTimeout(check, 50);
        };
        check();
      });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The exports' records are entries 61 and 62.
    await seen('#62  ');
    await appendEvents(63, 65);
    await seen('#64  ');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(
      stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split('  ')[1]),
    ).toEqual(['#62', '#63', '#64']);
  });

  it('key --rotate makes a new signing key; checkpoints signed before still verify', async () => {
    const before = (await run('audit', 'key')).stdout.trim();
    const rotated = await run('audit', 'key', '--rotate');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout.trim()).not.toBe(before);
    expect((await run('audit', 'key')).stdout.trim()).toBe(rotated.stdout.trim());
    const verified = await run('audit', 'verify');
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('a GM log, signed with SM2 too, verifies with its SM2 key alone, stored and offline', async () => {
    // Signed by the library with SM2 turned on (the setting is the server's); the CLI only verifies it.
    const gmDir = join(root, 'gm');
    const store = await openStore({ dataDir: gmDir });
    let vkeys: string[];
    let note: string;
    try {
      await store.migrate(auditMigrations);
      const audit = new AuditService({
        store,
        log: new MerkleLog(store),
        keys: new CheckpointKeys(store, plainSealer, ORIGIN, { sm2: true }),
        origin: ORIGIN,
        checkpointIntervalMs: 0,
        pruneIntervalMs: 0,
      });
      await audit.start();
      for (const [from, to] of [
        [0, 10],
        [10, 25],
      ] as const) {
        await audit.append(
          Array.from({ length: to - from }, (_, k) => event(from + k)),
          { clientId: 'case-app' },
        );
        note = await audit.checkpoint();
      }
      vkeys = await audit.vkeys();
      await audit.close();
    } finally {
      await store.close();
    }
    const [edVkey, smVkey] = vkeys as [string, string];
    expect(
      note!
        .trimEnd()
        .split('\n')
        .filter((line) => line.startsWith('— ')),
    ).toHaveLength(2);
    const checkpoint = join(root, 'gm-checkpoint.txt');
    writeFileSync(checkpoint, note!);
    const exported = join(root, 'gm-leaves.jsonl');
    expect((await runOn(gmDir, 'audit', 'export', '--format', 'leaves', '--output', exported)).code).toBe(0);

    const otherSm2 = sm2NoteSigner(ORIGIN, generateSm2PrivateKey()).vkey;
    const offline = (key: string) =>
      onegate(['audit', 'verify', '--export', exported, '--checkpoint', checkpoint, '--key', key], {});
    const [storedSm2, storedEd, stored, offlineSm2, offlineOther, notAKey] = await Promise.all([
      runOn(gmDir, 'audit', 'verify', '--json', '--key', smVkey),
      runOn(gmDir, 'audit', 'verify', '--json', '--key', edVkey),
      runOn(gmDir, 'audit', 'verify'),
      offline(smVkey),
      offline(otherSm2),
      offline(`${smVkey.slice(0, -4)}AAA=`),
    ]);
    for (const run of [storedSm2, storedEd]) {
      expect(run.code, run.stderr).toBe(0);
      expect(json<VerifyJson>(run)).toMatchObject({ ok: true, size: 26, checkpoints: 2, failures: [] });
    }
    expect(stored.code).toBe(0);
    expect(stored.stdout).toMatch(/2 keys stored in the database/);
    expect(offlineSm2.code, offlineSm2.stderr).toBe(0);
    expect(offlineSm2.stdout).toMatch(
      /^checkpoint: {2}localhost:8080\/audit, size 25, signature verified with the given key\n/,
    );
    expect(offlineOther.code).toBe(1);
    expect(offlineOther.stdout).toBe(
      "FAILED: the checkpoint's signature does not verify with the given key\n",
    );
    expect(notAKey.code).toBe(2);
    expect(notAKey.stderr).toMatch(/a verifier key is name\+keyid\+base64 key \(Ed25519 or SM2\)/);
  });

  it('key --type sm2 says the log signs no SM2 checkpoints unless the deployment turns them on', async () => {
    const [sm2, bad, both] = await Promise.all([
      run('audit', 'key', '--type', 'sm2'),
      run('audit', 'key', '--type', 'rsa'),
      run('audit', 'key'),
    ]);
    expect(sm2).toMatchObject({ code: 1, stdout: '' });
    expect(sm2.stderr).toMatch(/this log signs no SM2 checkpoints \[ERR_AUDIT_NOT_FOUND\]/);
    expect(bad).toMatchObject({ code: 2, stderr: 'onegate: --type is ed25519 or sm2\n' });
    expect(both.code).toBe(0);
    expect(both.stdout.trimEnd().split('\n')).toHaveLength(1);
  });
});
