import { createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { link, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { IdentityError } from '../errors.ts';
import { decodeBase64url } from './base64url.ts';

export const MASTER_KEY_ENV = 'ONEGATE_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';

const KEY_BYTES = 32;
/** A key file is 45 bytes; anything much larger is not one, so it is not read into memory. */
const MAX_FILE_BYTES = 1024;

export interface LoadMasterKeyOptions {
  /** Where `ONEGATE_MASTER_KEY` is looked up; normally `process.env`. */
  env: Readonly<Record<string, string | undefined>>;
  /** Folder of `master.key`. */
  dataDir: string;
  /** Create `master.key` when there is no key yet (`onegate init`). */
  create?: boolean;
}

export interface MasterKey {
  key: KeyObject;
  /** `created` means a new key was just written: back it up now, it cannot be recovered. */
  source: 'env' | 'file' | 'created';
  /** The key file, unless the key came from the environment. */
  path?: string;
}

/**
 * The key-encryption key for secrets at rest. The environment wins over the
 * file, so an orchestrator's secret overrides a stray file in the data folder.
 */
export async function loadMasterKey(options: LoadMasterKeyOptions): Promise<MasterKey> {
  const fromEnv = options.env[MASTER_KEY_ENV];
  if (fromEnv !== undefined) {
    const key = parseKey(fromEnv);
    if (!key) {
      throw new IdentityError(
        'ERR_KEY_UNAVAILABLE',
        `${MASTER_KEY_ENV} must be 32 random bytes in base64 or base64url (make one with \`openssl rand -base64 32\`)`,
      );
    }
    return { key, source: 'env' };
  }
  const path = join(options.dataDir, MASTER_KEY_FILE);
  const existing = await readKeyFile(path);
  if (existing) return { key: existing, source: 'file', path };
  if (!options.create) {
    throw new IdentityError('ERR_NOT_INITIALIZED', 'no master key: run `onegate init`');
  }
  const created = await createKeyFile(options.dataDir, path);
  if (created) return { key: created, source: 'created', path };
  // Another process created it between our read and our write: use theirs.
  const theirs = await readKeyFile(path);
  if (!theirs) throw new IdentityError('ERR_KEY_UNAVAILABLE', `cannot read the master key file ${path}`);
  return { key: theirs, source: 'file', path };
}

const PURPOSE = /^[a-z0-9][a-z0-9:._-]{0,127}$/;

/**
 * A key for one purpose (`cookies`, …), derived with HKDF-SHA256 so that no
 * two uses share key material and the master key itself never leaves here.
 */
export function deriveKey(master: KeyObject, purpose: string): KeyObject {
  if (!PURPOSE.test(purpose)) {
    throw new IdentityError('ERR_KEY_UNAVAILABLE', 'a key purpose must be a short lower-case name');
  }
  const bytes = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `onegate:${purpose}`, KEY_BYTES));
  const key = createSecretKey(bytes);
  bytes.fill(0);
  return key;
}

/** Exactly 32 bytes in canonical base64 or base64url, padded or not; surrounding whitespace is ignored. */
function parseKey(text: string): KeyObject | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]{43}=?$/.test(trimmed) && !/^[A-Za-z0-9_-]{43}=?$/.test(trimmed)) return undefined;
  const bytes = decodeBase64url(trimmed.replace(/=$/, '').replaceAll('+', '-').replaceAll('/', '_'));
  if (bytes?.length !== KEY_BYTES) return undefined;
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
    throw new IdentityError('ERR_KEY_UNAVAILABLE', `cannot read the master key file ${path}`, { cause: err });
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) {
      throw new IdentityError('ERR_KEY_UNAVAILABLE', `the master key file ${path} does not hold a key`);
    }
    // Windows has no POSIX modes; there the folder's ACL is what protects the file.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw new IdentityError(
        'ERR_KEY_UNAVAILABLE',
        `the master key file ${path} is open to other users: run \`chmod 600 ${path}\``,
      );
    }
    const key = parseKey(await handle.readFile('utf8'));
    if (!key) {
      throw new IdentityError(
        'ERR_KEY_UNAVAILABLE',
        `the master key file ${path} must hold 32 bytes in base64`,
      );
    }
    return key;
  } finally {
    await handle.close();
  }
}

/**
 * Writes a new key to a temporary file (0600, fsynced), then links it into
 * place. A link, unlike a rename, never replaces an existing file: if two
 * processes create a key at once, one wins and the other gets `undefined`
 * rather than silently swapping the key the first one may already be using.
 */
async function createKeyFile(dataDir: string, path: string): Promise<KeyObject | undefined> {
  const bytes = randomBytes(KEY_BYTES);
  const temp = join(dataDir, `.${MASTER_KEY_FILE}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
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
    await syncFolder(dataDir);
    return createSecretKey(bytes);
  } catch (err) {
    throw new IdentityError('ERR_KEY_UNAVAILABLE', `cannot create the master key file ${path}`, {
      cause: err,
    });
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
