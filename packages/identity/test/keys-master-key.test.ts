import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveKey, loadMasterKey } from '../src/keys/index.ts';

const posix = process.platform !== 'win32';

describe('master key', () => {
  let root: string;
  let dataDir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'onegate-keys-'));
    dataDir = join(root, 'data');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads ONEGATE_MASTER_KEY in base64 or base64url, padded or not', async () => {
    const bytes = randomBytes(32);
    for (const text of [
      bytes.toString('base64'),
      bytes.toString('base64').replace(/=$/, ''),
      bytes.toString('base64url'),
      ` ${bytes.toString('base64url')}\n`,
    ]) {
      const loaded = await loadMasterKey({ env: { ONEGATE_MASTER_KEY: text }, dataDir });
      expect(loaded.source).toBe('env');
      expect(loaded.path).toBeUndefined();
      expect(loaded.key.export().equals(bytes)).toBe(true);
    }
  });

  it('refuses a malformed ONEGATE_MASTER_KEY by name, without echoing it', async () => {
    for (const value of [
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      `+-${'A'.repeat(41)}=`, // base64 and base64url alphabets mixed
      `${'A'.repeat(42)}B`, // non-zero trailing bits: not the canonical text of any key
      'correct horse battery staple correct horse b',
      '',
    ]) {
      const err = await loadMasterKey({ env: { ONEGATE_MASTER_KEY: value }, dataDir }).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ name: 'IdentityError', code: 'ERR_KEY_UNAVAILABLE' });
      expect((err as Error).message).toContain('ONEGATE_MASTER_KEY');
      if (value) expect((err as Error).message).not.toContain(value.slice(0, 12));
    }
  });

  it('prefers the environment over the file', async () => {
    const created = await loadMasterKey({ env: {}, dataDir, create: true });
    const bytes = randomBytes(32);
    const loaded = await loadMasterKey({ env: { ONEGATE_MASTER_KEY: bytes.toString('base64') }, dataDir });
    expect(loaded.source).toBe('env');
    expect(loaded.key.export().equals(created.key.export())).toBe(false);
  });

  it('creates master.key with mode 0600 in a 0700 folder and reuses it next time', async () => {
    const created = await loadMasterKey({ env: {}, dataDir, create: true });
    expect(created.source).toBe('created');
    expect(created.path).toBe(join(dataDir, 'master.key'));
    expect(created.key.symmetricKeySize).toBe(32);
    if (posix) {
      expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    }
    expect(readdirSync(dataDir)).toEqual(['master.key']); // no temporary file left behind

    const again = await loadMasterKey({ env: {}, dataDir, create: true });
    expect(again.source).toBe('file');
    expect(again.key.export().equals(created.key.export())).toBe(true);
    const reread = await loadMasterKey({ env: {}, dataDir });
    expect(reread.key.export().equals(created.key.export())).toBe(true);
  });

  it('gives two processes creating at once the same key', async () => {
    const [a, b] = await Promise.all([
      loadMasterKey({ env: {}, dataDir, create: true }),
      loadMasterKey({ env: {}, dataDir, create: true }),
    ]);
    expect([a.source, b.source].sort()).toEqual(['created', 'file']);
    expect(a.key.export().equals(b.key.export())).toBe(true);
  });

  it.runIf(posix)('refuses a key file that group or others can read', async () => {
    await loadMasterKey({ env: {}, dataDir, create: true });
    const file = join(dataDir, 'master.key');
    chmodSync(file, 0o644);
    const err = await loadMasterKey({ env: {}, dataDir, create: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
    expect((err as Error).message).toContain('chmod 600');
    chmodSync(file, 0o600);
    expect((await loadMasterKey({ env: {}, dataDir })).source).toBe('file');
  });

  it('refuses a key file that does not hold 32 bytes, without echoing it', async () => {
    await loadMasterKey({ env: {}, dataDir, create: true });
    const file = join(dataDir, 'master.key');
    writeFileSync(file, 'c2hvcnQga2V5Cg==\n', { mode: 0o600 });
    const err = await loadMasterKey({ env: {}, dataDir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_KEY_UNAVAILABLE' });
    expect((err as Error).message).not.toContain('c2hvcnQga2V5');
  });

  it('says to run `onegate init` when there is no key and none may be created', async () => {
    const err = await loadMasterKey({ env: {}, dataDir }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_NOT_INITIALIZED', message: 'no master key: run `onegate init`' });
    expect(() => statSync(dataDir)).toThrow(); // nothing created
  });

  it('derives stable, separate keys per purpose', async () => {
    const { key } = await loadMasterKey({
      env: { ONEGATE_MASTER_KEY: randomBytes(32).toString('base64') },
      dataDir,
    });
    const cookies = deriveKey(key, 'cookies');
    expect(cookies.symmetricKeySize).toBe(32);
    expect(cookies.export().equals(deriveKey(key, 'cookies').export())).toBe(true);
    expect(cookies.export().equals(deriveKey(key, 'csrf').export())).toBe(false);
    expect(cookies.export().equals(key.export())).toBe(false);
    expect(() => deriveKey(key, '')).toThrow(/purpose/);
  });
});
