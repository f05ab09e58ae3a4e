import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { link, mkdir, open, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * A 32-byte secret in a file of its own (the privacy KEK, identity's master
 * key): read only when no other user may read it, created atomically and
 * never replaced. Callers name the key (`label`) and give the error to throw
 * (`fail`), so messages and error codes stay theirs.
 */
export type KeyFileFailure = (message: string, cause?: unknown) => Error;

const KEY_BYTES = 32;
/** A key file is 32 raw bytes or 45 bytes of base64; anything much larger is not one and is not read. */
const MAX_FILE_BYTES = 1024;

/** Exactly 32 bytes in canonical base64 or base64url, padded or not; surrounding whitespace is ignored. */
export function parseSecretKeyText(text: string): KeyObject | undefined {
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

/**
 * The key in `path`, or `undefined` when there is no such file. Reads
 * through one handle, so the mode checked is the mode of the file read.
 */
export async function readSecretKeyFile(
  path: string,
  label: string,
  fail: KeyFileFailure,
): Promise<KeyObject | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw fail(`cannot read the ${label} file ${path}`, err);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) {
      throw fail(`the ${label} file ${path} does not hold a key`);
    }
    // Windows has no POSIX modes; there the folder's ACL is what protects the file.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      throw fail(`the ${label} file ${path} is open to other users: run \`chmod 600 ${path}\``);
    }
    const bytes = await handle.readFile();
    const key = bytes.length === KEY_BYTES ? secretKey(bytes) : parseSecretKeyText(bytes.toString('utf8'));
    bytes.fill(0);
    if (!key) throw fail(`the ${label} file ${path} must hold 32 bytes, raw or in base64`);
    return key;
  } finally {
    await handle.close();
  }
}

/**
 * Writes a new key to a temporary file (0600, fsynced) and links it into
 * place: a link, unlike a rename, never replaces an existing file, so two
 * processes creating a key at once cannot swap a key already in use. Returns
 * `undefined` when the file appeared meanwhile (read that one instead).
 */
export async function createSecretKeyFile(
  path: string,
  label: string,
  fail: KeyFileFailure,
): Promise<KeyObject | undefined> {
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
    throw fail(`cannot create the ${label} file ${path}`, err);
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
