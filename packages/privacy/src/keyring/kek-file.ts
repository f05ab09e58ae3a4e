import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { link, mkdir, open, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LocalKek } from './kek.ts';
import { kekFailure } from './key-errors.ts';

/** The KEK in base64, from the orchestrator's secret store; wins over the file. */
export const PRIVACY_KEK_ENV = 'ONEGATE_PRIVACY_KEK';
/** The KEK file in the data folder, made by `onegate init`. */
export const PRIVACY_KEK_FILE = 'privacy-kek.key';

const KEY_BYTES = 32;
/** A key file is 32 raw bytes or 45 bytes of base64; anything much larger is not one and is not read. */
const MAX_FILE_BYTES = 1024;

export interface LoadedKek {
  kek: LocalKek;
  /** `created`: a new key was just written. Back it up apart from the database now: it cannot be recovered. */
  source: 'env' | 'file' | 'created';
  path?: string;
}

/**
 * The KEK for a deployment: `ONEGATE_PRIVACY_KEK` if set, else the key file
 * in `dataDir`. Only `create` (for `onegate init`) makes a missing file.
 */
export async function loadKek(options: {
  env: Readonly<Record<string, string | undefined>>;
  dataDir: string;
  create?: boolean;
}): Promise<LoadedKek> {
  const fromEnv = options.env[PRIVACY_KEK_ENV];
  if (fromEnv !== undefined) return { kek: kekFromBase64(fromEnv, PRIVACY_KEK_ENV), source: 'env' };
  const path = join(options.dataDir, PRIVACY_KEK_FILE);
  if (options.create) {
    const { kek, created } = await createLocalKek(path);
    return { kek, source: created ? 'created' : 'file', path };
  }
  return { kek: await loadLocalKek(path), source: 'file', path };
}

/** A KEK from 32 bytes in base64 or base64url; `name` (a variable or setting) is named in the error, the value never. */
export function kekFromBase64(text: string, name: string): LocalKek {
  const key = parseKeyText(text);
  if (!key) {
    throw kekFailure(`${name} must be 32 random bytes in base64 (make one with \`openssl rand -base64 32\`)`);
  }
  return new LocalKek(key);
}

/** Reads a key file; refuses a missing file, one open to other users, or one that holds no key. */
export async function loadLocalKek(file: string): Promise<LocalKek> {
  const key = await readKeyFile(file);
  if (!key) throw kekFailure(`no key-encryption key file ${file}: run \`onegate init\``);
  return new LocalKek(key);
}

/**
 * Creates the key file (mode 0600) unless it exists, then loads it. Safe to
 * run again and against a concurrent run: an existing key is never replaced.
 */
export async function createLocalKek(file: string): Promise<{ kek: LocalKek; created: boolean }> {
  const existing = await readKeyFile(file);
  if (existing) return { kek: new LocalKek(existing), created: false };
  const created = await createKeyFile(file);
  if (created) return { kek: new LocalKek(created), created: true };
  // Another process created it between our read and our write: use theirs.
  return { kek: await loadLocalKek(file), created: false };
}

function parseKeyText(text: string): KeyObject | undefined {
  const trimmed = text.trim().replace(/=$/, '');
  if (!/^[A-Za-z0-9+/]{43}$/.test(trimmed) && !/^[A-Za-z0-9_-]{43}$/.test(trimmed)) return undefined;
  const canonical = trimmed.replaceAll('+', '-').replaceAll('/', '_');
  const bytes = Buffer.from(canonical, 'base64url');
  // Node ignores stray trailing bits: only the canonical text of 32 bytes is a key.
  if (bytes.length !== KEY_BYTES || bytes.toString('base64url') !== canonical) return undefined;
  return secretKey(bytes);
}

function secretKey(bytes: Buffer): KeyObject {
  const key = createSecretKey(bytes);
  bytes.fill(0);
  return key;
}

/** Reads through one handle, so the mode checked is the mode of the file read. */
async function readKeyFile(path: string): Promise<KeyObject | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw kekFailure(`cannot read the key-encryption key file ${path}`, err);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) {
      throw kekFailure(`the key-encryption key file ${path} does not hold a key`);
    }
    // Windows has no POSIX modes; there the folder's ACL is what protects the file.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw kekFailure(
        `the key-encryption key file ${path} is open to other users: run \`chmod 600 ${path}\``,
      );
    }
    const bytes = await handle.readFile();
    const key = bytes.length === KEY_BYTES ? secretKey(bytes) : parseKeyText(bytes.toString('utf8'));
    bytes.fill(0);
    if (!key) {
      throw kekFailure(`the key-encryption key file ${path} must hold 32 bytes, raw or in base64`);
    }
    return key;
  } finally {
    await handle.close();
  }
}

/**
 * Writes a new key to a temporary file (0600, fsynced) and links it into
 * place: a link, unlike a rename, never replaces an existing file, so two
 * processes creating a key at once cannot swap a key already in use.
 */
async function createKeyFile(path: string): Promise<KeyObject | undefined> {
  const dir = dirname(path);
  const bytes = randomBytes(KEY_BYTES);
  const temp = join(dir, `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.chmod(0o600); // whatever the umask
      await handle.writeFile(`${bytes.toString('base64')}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, path);
    } catch (err) {
      if (errorCode(err) === 'EEXIST') return undefined;
      throw err;
    }
    await syncFolder(dir);
    return createSecretKey(bytes);
  } catch (err) {
    throw kekFailure(`cannot create the key-encryption key file ${path}`, err);
  } finally {
    bytes.fill(0);
    await rm(temp, { force: true }).catch(() => undefined);
  }
}

/** Makes the new directory entry durable; not every platform can open a folder, which is fine. */
async function syncFolder(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

function errorCode(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}
