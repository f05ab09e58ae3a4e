import { existsSync } from 'node:fs';
import type { AuditService } from '@onegate/audit';
import {
  kekFromBase64,
  loadKek,
  loadLocalKek,
  PrivacyError,
  type KeyEncryptionKey,
  type Keyring,
  type PrivacyErrorCode,
} from '@onegate/privacy';
import { loadConfig, type Config } from '@onegate/server';
import type { Store } from '@onegate/store';
import { withPlatformServices } from './context.ts';

/**
 * The KEK being rotated out, in base64, while every data key is moved to the
 * current one (`onegate privacy kek rewrap`). It only unwraps.
 */
export const PREVIOUS_KEK_ENV = 'ONEGATE_PRIVACY_PREVIOUS_KEK';

/** Who the keyring records as acting, in the audit log and in shredding tombstones. */
export const OPERATOR = 'operator';

/** What a privacy key command runs with. */
export interface KeyringCliContext {
  config: Config;
  store: Store;
  keyring: Keyring;
  /** The audit log the keyring writes to; `rewrapColumn` audits through it too. */
  audit: AuditService;
}

export interface KeyringCliOptions {
  /** A file holding a previous KEK (`--previous-kek-file`), besides ONEGATE_PRIVACY_PREVIOUS_KEK. */
  previousKekFile?: string;
}

/**
 * Runs `run` with a started keyring on the configured database, audited to
 * the audit log (actor `operator`), and always closes the log (every event
 * committed, a last checkpoint signed), stops the keyring and closes the
 * store. The KEK is loaded before the database is touched: a missing one
 * is created only in development; in production its absence means
 * `onegate init` has not run, and nothing is migrated. A previous KEK (from
 * ONEGATE_PRIVACY_PREVIOUS_KEK or `previousKekFile`) is held for unwrapping
 * only, as during a KEK rotation.
 *
 * Privacy errors end the process: invalid input 2, anything else (not
 * found, retired, shredded, wrong KEK) 1, as the other commands do.
 */
export async function withKeyring(
  run: (context: KeyringCliContext) => Promise<void>,
  options: KeyringCliOptions = {},
): Promise<void> {
  try {
    const config = loadConfig(settingsEnv());
    const development = config.env === 'development';
    const loaded = await loadKek({ env: process.env, dataDir: config.dataDir, create: development });
    if (loaded.source === 'created') {
      process.stderr.write(
        `onegate: created a new development key-encryption key ${loaded.path}; back it up apart from the database, encrypted personal data depends on it\n`,
      );
    }
    const previousKeks = await loadPreviousKeks(loaded.kek, options.previousKekFile);
    await withPlatformServices(config, { kek: loaded.kek, previousKeks }, ({ store, keyring, audit }) =>
      run({ config, store, keyring, audit }),
    );
  } catch (err) {
    if (err instanceof PrivacyError) {
      process.stderr.write(`onegate: ${err.message} [${err.code}]\n`);
      process.exit(exitCodeFor(err.code));
    }
    throw err;
  }
}

/** Input the caller can fix is a bad invocation (2); not found, retired, shredded and KEK trouble failed (1). */
function exitCodeFor(code: PrivacyErrorCode): 1 | 2 {
  return code === 'ERR_PRIVACY_INVALID' ? 2 : 1;
}

/**
 * The environment without the previous KEK: it is read here, not a server
 * setting, and `loadConfig` refuses every ONEGATE_ variable it does not know.
 */
function settingsEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== PREVIOUS_KEK_ENV));
}

async function loadPreviousKeks(
  current: KeyEncryptionKey,
  file: string | undefined,
): Promise<KeyEncryptionKey[]> {
  const previous: KeyEncryptionKey[] = [];
  const fromEnv = process.env[PREVIOUS_KEK_ENV];
  if (fromEnv !== undefined && fromEnv !== '') previous.push(kekFromBase64(fromEnv, PREVIOUS_KEK_ENV));
  if (file !== undefined) {
    if (!existsSync(file)) {
      throw new PrivacyError('ERR_PRIVACY_INVALID', `no previous key-encryption key file ${file}`);
    }
    previous.push(await loadLocalKek(file));
  }
  for (const kek of previous) {
    if (kek.id === current.id) {
      throw new PrivacyError(
        'ERR_PRIVACY_INVALID',
        `the previous key-encryption key is the current one (${current.id}): give the old key as previous and the new one as ONEGATE_PRIVACY_KEK or privacy-kek.key`,
      );
    }
  }
  return previous;
}
