import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A file a certs command writes: secrets (private keys, PKCS#12) get mode 0600, the rest 0644. */
export interface FileToWrite {
  path: string;
  content: string | Buffer;
  secret: boolean;
  /** Replace a file already there (index.json, crl.pem, `--force`); otherwise one there is an error. */
  replace: boolean;
}

/**
 * Writes every file to a temporary name beside its place (`wx`, fsynced),
 * runs `beforeCommit` (the audit record), then moves them into place: a
 * rename where the file may be replaced, else a link, which never replaces
 * an existing file. Whatever fails before the commit leaves nothing behind:
 * a certificate that cannot be recorded in the audit log is not written.
 */
export async function writeFiles(
  files: FileToWrite[],
  beforeCommit: () => Promise<void> = async () => undefined,
): Promise<void> {
  const temps: string[] = [];
  try {
    const staged: Array<{ file: FileToWrite; temp: string }> = [];
    for (const file of files) {
      const dir = dirname(file.path);
      await mkdir(dir, { recursive: true });
      const temp = join(dir, `.${basename(file.path)}.${randomBytes(8).toString('hex')}.tmp`);
      const handle = await open(temp, 'wx', file.secret ? 0o600 : 0o644);
      temps.push(temp);
      try {
        await handle.chmod(file.secret ? 0o600 : 0o644); // whatever the umask
        await handle.writeFile(file.content);
        await handle.sync();
      } finally {
        await handle.close();
      }
      staged.push({ file, temp });
    }
    await beforeCommit();
    for (const { file, temp } of staged) {
      if (file.replace) {
        await rename(temp, file.path);
      } else {
        try {
          await link(temp, file.path);
        } catch (err) {
          if (errorCode(err) === 'EEXIST') throw new Error(`${file.path} already exists`, { cause: err });
          throw err;
        }
      }
    }
    for (const dir of new Set(files.map((file) => dirname(file.path)))) await syncFolder(dir);
  } finally {
    await Promise.all(temps.map((temp) => rm(temp, { force: true }).catch(() => undefined)));
  }
}

/**
 * Runs `run` holding `<dir>/.lock`, so two certs commands on one CA cannot
 * lose each other's index entries or CRL numbers.
 */
export async function withDirectoryLock<T>(dir: string, run: () => Promise<T>): Promise<T> {
  await mkdir(dir, { recursive: true });
  const lock = join(dir, '.lock');
  let handle;
  try {
    handle = await open(lock, 'wx', 0o600);
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw err;
    throw new Error(
      `another onegate certs command is changing ${dir} (its lock file ${lock} exists; delete it if no such command is running)`,
      { cause: err },
    );
  }
  try {
    try {
      await handle.writeFile(`${process.pid}\n`);
    } finally {
      await handle.close();
    }
    return await run();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

/** Makes the new directory entries durable; not every platform can open a folder, which is fine. */
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

export function errorCode(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}
