import { join } from 'node:path';
import { LocalKek } from './kek.ts';
import { kekFailure } from './key-errors.ts';
import { createSecretKeyFile, parseSecretKeyText, readSecretKeyFile } from './secret-key-file.ts';

/** The KEK in base64, from the orchestrator's secret store; wins over the file. */
export const PRIVACY_KEK_ENV = 'ONEGATE_PRIVACY_KEK';
/** The KEK file in the data folder, made by `onegate init`. */
export const PRIVACY_KEK_FILE = 'privacy-kek.key';

/** How errors name the file. */
const LABEL = 'key-encryption key';

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
  const key = parseSecretKeyText(text);
  if (!key) {
    throw kekFailure(`${name} must be 32 random bytes in base64 (make one with \`openssl rand -base64 32\`)`);
  }
  return new LocalKek(key);
}

/** Reads a key file; refuses a missing file, one open to other users, or one that holds no key. */
export async function loadLocalKek(file: string): Promise<LocalKek> {
  const key = await readSecretKeyFile(file, LABEL, kekFailure);
  if (!key) throw kekFailure(`no key-encryption key file ${file}: run \`onegate init\``);
  return new LocalKek(key);
}

/**
 * Creates the key file (mode 0600) unless it exists, then loads it. Safe to
 * run again and against a concurrent run: an existing key is never replaced.
 */
export async function createLocalKek(file: string): Promise<{ kek: LocalKek; created: boolean }> {
  const existing = await readSecretKeyFile(file, LABEL, kekFailure);
  if (existing) return { kek: new LocalKek(existing), created: false };
  const created = await createSecretKeyFile(file, LABEL, kekFailure);
  if (created) return { kek: new LocalKek(created), created: true };
  // Another process created it between our read and our write: use theirs.
  return { kek: await loadLocalKek(file), created: false };
}
