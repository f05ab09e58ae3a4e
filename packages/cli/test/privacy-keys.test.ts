import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isPrivacyError,
  Keyring,
  loadKek,
  openFieldText,
  readHeader,
  sealField,
  SubjectKeys,
  type FieldContext,
  type KeyEncryptionKey,
} from '@onegate/privacy';
import { migrateAll } from '@onegate/server';
import type { Store } from '@onegate/store';
import { engines } from '@onegate/store/testing';
import { auditRows } from './audit-rows.ts';
import { cliDatabase, json, onegate, type CliDatabase, type Result } from './run-onegate.ts';

const bin = fileURLToPath(new URL('../bin/onegate.js', import.meta.url));

interface VersionJson {
  version: number;
  state: string;
  destroyed: boolean;
  decrypts: boolean;
  kekId: string;
}

interface ChainJson {
  keyId: string;
  primaryVersion: number;
  minVersion: number;
  versions: VersionJson[];
}

interface RewrapJson {
  completed: boolean;
  columns: Array<{
    completed: boolean;
    resumed: boolean;
    rewrapped: number;
    current: number;
    targetVersion: number;
  }>;
}

const noAudit = { write: async () => undefined };

/** A row's phone number, and where it belongs. */
const phone = (id: number) => `138${String(id).padStart(8, '0')}`;
const place = (id: number | string): FieldContext => ({ table: 'people', column: 'phone', row: String(id) });

/** Opens a field as another process would: loads a key it has not seen, then tries again. */
async function open(keyring: Keyring, ciphertext: string, context: FieldContext): Promise<string> {
  try {
    return openFieldText(ciphertext, context, keyring.resolve);
  } catch (err) {
    if (!isPrivacyError(err, 'ERR_PRIVACY_KEY_NOT_FOUND')) throw err;
    const { keyId, version } = readHeader(ciphertext);
    await keyring.ensure(keyId, version);
    return openFieldText(ciphertext, context, keyring.resolve);
  }
}

/** `onegate privacy keys rewrap …`, sent Ctrl-C as soon as it reports its first batch. */
function interruptedRun(args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (!interrupted && /: batch \d+/.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end();
  });
}

// Each step spawns a fresh onegate (about a second): related checks share a test.
describe.each(engines)('onegate privacy keys (%s)', { timeout: 60_000 }, (engine) => {
  let db: CliDatabase;
  let store: Store;
  let kek: KeyEncryptionKey;
  const run = (...args: string[]) => onegate(args, db.env);
  const show = async (keyId: string) =>
    json<ChainJson>(await run('privacy', 'keys', 'show', keyId, '--json'));

  /** A keyring of the test's own on the same database and KEK as the command's. */
  async function withLibraryKeyring<T>(use: (keyring: Keyring) => Promise<T>): Promise<T> {
    const keyring = new Keyring({ store, kek, audit: noAudit });
    await keyring.start();
    try {
      return await use(keyring);
    } finally {
      await keyring.stop();
    }
  }

  async function audited(action: string) {
    return (await auditRows(store, action)).map(({ actor, subject, details }) => ({
      actor,
      subject,
      details: details!,
    }));
  }

  beforeAll(async () => {
    db = await cliDatabase(engine);
    store = await db.open();
    await migrateAll(store);
    ({ kek } = await loadKek({ env: {}, dataDir: db.dataDir, create: true }));
    await withLibraryKeyring((keyring) => keyring.primaryKey('people.phone'));
  });
  afterAll(() => db.drop());

  it('rotate makes version 2 primary and leaves 1 decrypting; list and show say so; audited as operator', async () => {
    const rotated = await run('privacy', 'keys', 'rotate', 'people.phone');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^rotated people\.phone: version 2 \(aes-256-gcm\) is the primary/);
    expect(rotated.stdout).toMatch(
      /\n2 +primary +yes +aes-256-gcm +local:[0-9a-f]{16} .*\n1 +decrypt-only +yes /,
    );

    const chain = await show('people.phone');
    expect(chain.primaryVersion).toBe(2);
    expect(chain.versions.map((v) => [v.version, v.state, v.decrypts])).toEqual([
      [1, 'decrypt-only', true],
      [2, 'primary', true],
    ]);
    const listed = await run('privacy', 'keys', 'list');
    expect(listed.stdout).toMatch(/\npeople\.phone +field +aes-256-gcm +2 +1 +1 primary, 1 decrypt-only /);

    const events = await audited('privacy.key.rotate');
    expect(events).toHaveLength(1);
    expect(events[0]!.actor).toBe('operator');
    expect(JSON.parse(events[0]!.details)).toMatchObject({
      keyId: 'people.phone',
      version: 2,
      previousPrimary: 1,
    });
  });

  it('refuses a minimum version above the primary, a malformed key id or version and destroy without --yes (exit 2); an unknown key is exit 1', async () => {
    const [above, badId, badVersion, noYes, unknown] = await Promise.all([
      run('privacy', 'keys', 'min-version', 'people.phone', '3'),
      run('privacy', 'keys', 'rotate', 'people:phone'),
      run('privacy', 'keys', 'retire', 'people.phone', 'one'),
      run('privacy', 'keys', 'destroy', 'people.phone', '1'),
      run('privacy', 'keys', 'show', 'no.such.key'),
    ]);
    expect(above).toMatchObject({ code: 2, stdout: '' });
    expect(above.stderr).toBe(
      'onegate: a minimum version of 3 would retire the primary version 2 of key "people.phone": rotate first [ERR_PRIVACY_INVALID]\n',
    );
    expect(badId).toMatchObject({ code: 2, stdout: '' });
    expect(badId.stderr).toMatch(/"people:phone" is not a key id: a key id is 1 to 128 characters/);
    expect(badVersion).toMatchObject({ code: 2 });
    expect(badVersion.stderr).toMatch(/"one" is not a key version/);
    expect(noYes).toMatchObject({ code: 2 });
    expect(noYes.stderr).toMatch(/Nothing was destroyed; add --yes to confirm/);
    expect(unknown).toMatchObject({
      code: 1,
      stderr: 'onegate: no key "no.such.key" [ERR_PRIVACY_KEY_NOT_FOUND]\n',
    });

    const chain = await show('people.phone');
    expect(chain.minVersion).toBe(1);
    expect(chain.versions.every((v) => !v.destroyed)).toBe(true);
    expect(await audited('privacy.key.min_version')).toEqual([]);
  });

  it('retire stops a version decrypting, reinstate brings it back; each audited', async () => {
    const retired = await run('privacy', 'keys', 'retire', 'people.phone', '1', '--json');
    expect(retired.code).toBe(0);
    const after = json<{ changed: boolean; key: ChainJson }>(retired);
    expect(after.changed).toBe(true);
    expect(after.key.versions[0]).toMatchObject({ version: 1, state: 'retired', decrypts: false });

    const reinstated = await run('privacy', 'keys', 'reinstate', 'people.phone', '1');
    expect(reinstated.code).toBe(0);
    expect(reinstated.stdout).toMatch(/^reinstated version 1 of people\.phone: it decrypts again/);
    expect((await show('people.phone')).versions[0]).toMatchObject({ state: 'decrypt-only', decrypts: true });

    expect((await audited('privacy.key.retire')).map((e) => e.actor)).toEqual(['operator']);
    expect((await audited('privacy.key.reinstate')).map((e) => e.actor)).toEqual(['operator']);
  });

  it("shred --subject erases one person: their fields fail with ERR_PRIVACY_KEY_SHREDDED, others' still open", async () => {
    const [alice, bob] = await withLibraryKeyring(async (keyring) => {
      const subjects = new SubjectKeys(keyring);
      return [
        sealField(await subjects.subjectKey('alice-01'), 'Alice Zhang', place(1)),
        sealField(await subjects.subjectKey('bob-02'), 'Bob Li', place(2)),
      ];
    });

    const refused = await run('privacy', 'keys', 'shred', '--subject', 'alice-01');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Nothing was shredded; add --yes to confirm/);

    const shredded = await run('privacy', 'keys', 'shred', '--subject', 'alice-01', '--yes', '--json');
    expect(shredded.code).toBe(0);
    expect(json(shredded)).toEqual({
      subject: 'alice-01',
      keyId: 'subject.alice-01',
      versionsDestroyed: 1,
      alreadyShredded: false,
    });

    await withLibraryKeyring(async (keyring) => {
      await expect(open(keyring, alice, place(1))).rejects.toMatchObject({
        code: 'ERR_PRIVACY_KEY_SHREDDED',
      });
      expect(await open(keyring, bob, place(2))).toBe('Bob Li');
    });
    const events = await audited('privacy.key.shred');
    expect(events.map((e) => [e.actor, e.subject])).toEqual([['operator', 'alice-01']]);
  });

  it('rewrap moves a column to the primary in batches; stopped by Ctrl-C, the next run resumes where it stopped', async () => {
    const rows = 2000;
    await store.exec('CREATE TABLE people (id INTEGER PRIMARY KEY, phone TEXT)');
    await withLibraryKeyring(async (keyring) => {
      const key = await keyring.primaryKey('rewrap.phone');
      for (let start = 1; start <= rows; start += 250) {
        const ids = Array.from({ length: 250 }, (_, i) => start + i);
        await store.exec(
          `INSERT INTO people (id, phone) VALUES ${ids.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ')}`,
          ids.flatMap((id) => [id, sealField(key, phone(id), place(id))]),
        );
      }
      await keyring.rotate('rewrap.phone', 'test');
    });
    const args = ['privacy', 'keys', 'rewrap', 'rewrap.phone', '--column', 'people.phone'];

    const first = await interruptedRun([...args, '--batch-size', '2'], db.env);
    expect(first.stderr).toMatch(/^people\.phone: batch 1: 2 scanned, 2 rewrapped, 0 current/m);
    expect(first.stderr).toMatch(/stopping after the current batch/);
    expect(first.stdout).toMatch(
      /\nstopped before the end: run the same command again to resume where it stopped\.\n$/,
    );
    expect(first.code).toBe(130);

    const status = await run(...args, '--status', '--json');
    const { progress } =
      json<Array<{ progress: { cursor: string; finished_at: number | null; rewrapped: number } }>>(
        status,
      )[0]!;
    expect(progress.finished_at).toBeNull();
    expect(Number(progress.cursor)).toBe(progress.rewrapped);
    expect(progress.rewrapped).toBeGreaterThan(0);
    expect(progress.rewrapped).toBeLessThan(rows);

    const second = await run(...args, '--batch-size', '500', '--json');
    expect(second.code).toBe(0);
    const result = json<RewrapJson>(second);
    expect(result.completed).toBe(true);
    expect(result.columns[0]).toMatchObject({ completed: true, resumed: true, targetVersion: 2, current: 0 });
    expect(result.columns[0]!.rewrapped).toBe(rows - progress.rewrapped);

    const stored = await store.query<{ id: number; phone: string }>(
      'SELECT id, phone FROM people ORDER BY id',
    );
    expect(stored.every((r) => readHeader(r.phone).version === 2)).toBe(true);
    await withLibraryKeyring(async (keyring) => {
      for (const r of [stored[0]!, stored[rows - 1]!])
        expect(await open(keyring, r.phone, place(r.id))).toBe(phone(r.id));
    });
    const runs = (await audited('privacy.key.rewrap')).map(
      (e) => JSON.parse(e.details) as Record<string, unknown>,
    );
    expect(runs.map((d) => [d['completed'], d['resumed']])).toEqual([
      [false, false],
      [true, true],
    ]);
  });

  it('kek rewrap moves every data key to a new KEK; afterwards the old one is not needed', async () => {
    const oldFile = join(db.dataDir, 'privacy-kek.old.key');
    const currentFile = join(db.dataDir, 'privacy-kek.key');
    writeFileSync(oldFile, readFileSync(currentFile), { mode: 0o600 });
    writeFileSync(currentFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });

    const refused = await run('privacy', 'keys', 'list');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/\[ERR_PRIVACY_KEK\]/);

    const moved = await run('privacy', 'kek', 'rewrap', '--previous-kek-file', oldFile, '--json');
    expect(moved.code).toBe(0);
    const wrapped = await store.query<{ n: number }>(
      'SELECT COUNT(*) AS n FROM privacy_key_versions WHERE wrapped IS NOT NULL',
    );
    expect(json(moved)).toEqual({ rewrapped: Number(wrapped[0]!.n), skipped: 0, failed: [] });

    const chain = await show('people.phone');
    expect(new Set(chain.versions.map((v) => v.kekId)).size).toBe(1);
    expect(chain.versions[0]!.kekId).not.toBe(kek.id);
    expect((await audited('privacy.kek.rewrap')).map((e) => e.actor)).toEqual(['operator']);
  });
});
