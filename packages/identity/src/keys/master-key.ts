import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { createSecretKeyFile, parseSecretKeyText, readSecretKeyFile } from '@onegate/privacy';
import { IdentityError } from '../errors.ts';

export const MASTER_KEY_ENV = 'ONEGATE_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';

const KEY_BYTES = 32;
/** How errors name the file. */
const LABEL = 'master key';

function unavailable(message: string, cause?: unknown): IdentityError {
  return new IdentityError('ERR_KEY_UNAVAILABLE', message, cause === undefined ? undefined : { cause });
}

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
    const key = parseSecretKeyText(fromEnv);
    if (!key) {
      throw new IdentityError(
        'ERR_KEY_UNAVAILABLE',
        `${MASTER_KEY_ENV} must be 32 random bytes in base64 or base64url (make one with \`openssl rand -base64 32\`)`,
      );
    }
    return { key, source: 'env' };
  }
  const path = join(options.dataDir, MASTER_KEY_FILE);
  const existing = await readSecretKeyFile(path, LABEL, unavailable);
  if (existing) return { key: existing, source: 'file', path };
  if (!options.create) {
    throw new IdentityError('ERR_NOT_INITIALIZED', 'no master key: run `onegate init`');
  }
  const created = await createSecretKeyFile(path, LABEL, unavailable);
  if (created) return { key: created, source: 'created', path };
  // Another process created it between our read and our write: use theirs.
  const theirs = await readSecretKeyFile(path, LABEL, unavailable);
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
