import { createSecretKey, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createLocalKek,
  isPrivacyError,
  kekFromBase64,
  loadKek,
  loadLocalKek,
  LocalKek,
  PRIVACY_KEK_ENV,
  PRIVACY_KEK_FILE,
} from '../src/index.ts';
import { rejected } from './keyring-support.ts';

const posix = process.platform !== 'win32';
const aad = Buffer.from('identity.accounts.phone v1');

describe('local KEK', () => {
  it('wraps a data key so that only the same KEK and associated data unwrap it', async () => {
    const kek = new LocalKek(createSecretKey(randomBytes(32)));
    const dataKey = randomBytes(32);
    const wrapped = await kek.wrap(dataKey, aad);
    expect(wrapped.length).toBe(1 + 12 + 32 + 16);
    expect(wrapped.includes(dataKey)).toBe(false);
    expect((await kek.unwrap(wrapped, aad)).equals(dataKey)).toBe(true);

    const other = new LocalKek(createSecretKey(randomBytes(32)));
    const tampered = Buffer.from(wrapped);
    tampered[20]! ^= 1;
    for (const attempt of [
      () => other.unwrap(wrapped, aad),
      () => kek.unwrap(wrapped, Buffer.from('identity.accounts.phone v2')),
      () => kek.unwrap(tampered, aad),
      () => kek.unwrap(wrapped.subarray(0, 20), aad),
    ]) {
      const err = await rejected(attempt());
      expect(isPrivacyError(err, 'ERR_PRIVACY_KEK')).toBe(true);
      expect((err as Error).cause).toBeUndefined();
    }
  });

  it('has an id that names the key without revealing it, and never shows the key', () => {
    const bytes = randomBytes(32);
    const kek = new LocalKek(createSecretKey(bytes));
    expect(kek.id).toMatch(/^local:[0-9a-f]{16}$/);
    expect(new LocalKek(createSecretKey(bytes)).id).toBe(kek.id);
    expect(new LocalKek(createSecretKey(randomBytes(32))).id).not.toBe(kek.id);
    for (const shown of [
      JSON.stringify(kek),
      inspect(kek, { showHidden: true, depth: 5 }),
      inspect({ kek }),
    ]) {
      for (const encoding of ['hex', 'base64'] as const)
        expect(shown).not.toContain(bytes.toString(encoding));
    }
    expect(JSON.parse(JSON.stringify(kek))).toEqual({ id: kek.id });
  });

  it('refuses key material that is not 32 secret bytes', () => {
    for (const key of [createSecretKey(randomBytes(16)), createSecretKey(randomBytes(64))]) {
      expect(() => new LocalKek(key)).toThrow(expect.objectContaining({ code: 'ERR_PRIVACY_KEK' }));
    }
  });
});

describe('KEK from the environment', () => {
  it('reads 32 bytes in base64 or base64url, padded or not', () => {
    const bytes = randomBytes(32);
    const id = new LocalKek(createSecretKey(bytes)).id;
    for (const text of [
      bytes.toString('base64'),
      bytes.toString('base64').replace(/=$/, ''),
      bytes.toString('base64url'),
      ` ${bytes.toString('base64')}\n`,
    ]) {
      expect(kekFromBase64(text, PRIVACY_KEK_ENV).id).toBe(id);
    }
  });

  it('refuses anything else by name, without echoing the value', () => {
    for (const value of [
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      `${'A'.repeat(42)}B`, // stray trailing bits: not the canonical text of any key
      'correct horse battery staple correct horse b',
      '',
    ]) {
      let err: unknown;
      try {
        kekFromBase64(value, PRIVACY_KEK_ENV);
      } catch (e) {
        err = e;
      }
      expect(isPrivacyError(err, 'ERR_PRIVACY_KEK')).toBe(true);
      expect((err as Error).message).toContain(PRIVACY_KEK_ENV);
      if (value) expect((err as Error).message).not.toContain(value.slice(0, 12));
    }
  });
});

describe('KEK file', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'onegate-kek-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.runIf(posix)('is created with mode 0600, once, and loaded again', async () => {
    const file = join(dir, 'data', PRIVACY_KEK_FILE);
    const first = await createLocalKek(file);
    expect(first.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    const again = await createLocalKek(file);
    expect(again).toMatchObject({ created: false });
    expect(again.kek.id).toBe(first.kek.id);
    expect((await loadLocalKek(file)).id).toBe(first.kek.id);
    expect(readdirSync(join(dir, 'data'))).toEqual([PRIVACY_KEK_FILE]); // no temporary file left
  });

  it.runIf(posix)('is created once when two processes create it at the same moment', async () => {
    const file = join(dir, PRIVACY_KEK_FILE);
    const results = await Promise.all(Array.from({ length: 8 }, () => createLocalKek(file)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.kek.id)).size).toBe(1);
  });

  it.runIf(posix)('is refused when other users may read it (0644, 0640), and changed by nobody', async () => {
    const file = join(dir, PRIVACY_KEK_FILE);
    const text = `${randomBytes(32).toString('base64')}\n`;
    for (const mode of [0o644, 0o640, 0o604]) {
      writeFileSync(file, text);
      chmodSync(file, mode);
      // One at a time: a second promise made up front would reject unhandled while the first is awaited.
      for (const attempt of [() => loadLocalKek(file), () => createLocalKek(file)]) {
        const err = await rejected(attempt());
        expect(isPrivacyError(err, 'ERR_PRIVACY_KEK')).toBe(true);
        expect((err as Error).message).toContain('chmod 600');
        expect((err as Error).message).not.toContain(text.trim().slice(0, 12));
      }
      expect(readFileSync(file, 'utf8')).toBe(text);
      rmSync(file);
    }
  });

  it('is required to exist unless created by `onegate init`', async () => {
    const err = await rejected(loadLocalKek(join(dir, PRIVACY_KEK_FILE)));
    expect(isPrivacyError(err, 'ERR_PRIVACY_KEK')).toBe(true);
    expect((err as Error).message).toContain('onegate init');
    expect(readdirSync(dir)).toEqual([]);
  });

  it.runIf(posix)('may hold 32 raw bytes; anything else is refused', async () => {
    const file = join(dir, PRIVACY_KEK_FILE);
    const bytes = randomBytes(32);
    writeFileSync(file, bytes, { mode: 0o600 });
    expect((await loadLocalKek(file)).id).toBe(new LocalKek(createSecretKey(bytes)).id);
    writeFileSync(file, 'not a key\n', { mode: 0o600 });
    expect(isPrivacyError(await rejected(loadLocalKek(file)), 'ERR_PRIVACY_KEK')).toBe(true);
  });

  it('comes from the environment first, else from the data folder', async () => {
    const bytes = randomBytes(32);
    const fromEnv = await loadKek({ env: { [PRIVACY_KEK_ENV]: bytes.toString('base64') }, dataDir: dir });
    expect(fromEnv).toMatchObject({ source: 'env' });
    expect(readdirSync(dir)).toEqual([]);
    const created = await loadKek({ env: {}, dataDir: dir, create: true });
    expect(created).toMatchObject({ source: 'created', path: join(dir, PRIVACY_KEK_FILE) });
    const loaded = await loadKek({ env: {}, dataDir: dir });
    expect(loaded).toMatchObject({ source: 'file' });
    expect(loaded.kek.id).toBe(created.kek.id);
    expect(created.kek.id).not.toBe(fromEnv.kek.id);
  });
});
