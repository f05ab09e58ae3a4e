import type { Command } from 'commander';
import { AuthzError, type AuthzService } from '@onegate/authz';
import {
  identityServices,
  IdentityError,
  loadMasterKey,
  StoreAuditSink,
  type IdentityErrorCode,
  type IdentityServices,
  type MasterKey,
} from '@onegate/identity';
import { isPrivacyError, kekFromBase64, loadKek, type Keyring, type LoadedKek } from '@onegate/privacy';
import {
  loadConfig,
  migrateAll,
  PREVIOUS_KEK_ENV,
  startAuthz,
  startKeyring,
  type Config,
} from '@onegate/server';
import { openStore, type MigrationResult, type Store } from '@onegate/store';

/** What an identity command runs with. */
export interface CliContext {
  config: Config;
  store: Store;
  masterKey: MasterKey;
  /** The privacy key-encryption key and where it came from (`created` by this run, for `onegate init`). */
  kek: LoadedKek;
  /** Started on the store; seals accounts' personal data, TOTP secrets and signing keys. */
  keyring: Keyring;
  migrations: MigrationResult[];
  services: IdentityServices;
}

/**
 * Runs `run` with the identity services on the configured database, and
 * always stops the keyring and closes the store. A missing master key or
 * privacy key-encryption key is created only in development or by
 * `onegate init` (`createMasterKey`): in production their absence means
 * init has not run. Both are loaded before the database is touched, so a
 * command refused for want of one migrates nothing. Identity errors end the
 * process with their exit code (see `exitCodeFor`); privacy errors too:
 * invalid input 2, anything else 1 (a key-encryption key that is missing or
 * does not match the database's keys, a value that will not open).
 */
export async function withIdentity(
  run: (context: CliContext) => Promise<void>,
  options: { createMasterKey?: boolean } = {},
): Promise<void> {
  try {
    const config = loadConfig();
    const development = config.env === 'development';
    const create = options.createMasterKey === true || development;
    const masterKey = await loadMasterKey({ env: process.env, dataDir: config.dataDir, create });
    if (masterKey.source === 'created' && !options.createMasterKey) {
      process.stderr.write(
        `onegate: created a new development master key ${masterKey.path}; back it up, sealed secrets depend on it\n`,
      );
    }
    const kek = await loadKek({ env: process.env, dataDir: config.dataDir, create });
    if (kek.source === 'created' && !options.createMasterKey) {
      process.stderr.write(
        `onegate: created a new development privacy key-encryption key ${kek.path}; back it up apart from the database, encrypted personal data depends on it\n`,
      );
    }
    // During a KEK rotation the old KEK still unwraps, as in the server.
    const previous = process.env[PREVIOUS_KEK_ENV];
    const previousKeks = previous === undefined ? [] : [kekFromBase64(previous, PREVIOUS_KEK_ENV)];
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const migrations = await migrateAll(store);
      const audit = new StoreAuditSink(store);
      const keyring = await startKeyring(config, store, { kek: kek.kek, previousKeks }, audit, (err) => {
        process.stderr.write(`onegate: ${err instanceof Error ? err.message : String(err)}\n`);
      });
      try {
        const services = identityServices({
          store,
          audit,
          keyring,
          masterKey: masterKey.key,
          passwordHash: {
            memoryKiB: config.argon2MemoryKiB,
            timeCost: config.argon2TimeCost,
            parallelism: config.argon2Parallelism,
          },
          development,
          issuer: config.issuer,
        });
        await run({ config, store, masterKey, kek, keyring, migrations, services });
      } finally {
        await keyring.stop();
        await audit.flush();
      }
    } finally {
      await store.close();
    }
  } catch (err) {
    if (err instanceof IdentityError) {
      process.stderr.write(`onegate: ${err.message}\n`);
      process.exit(exitCodeFor(err.code));
    }
    if (isPrivacyError(err)) {
      process.stderr.write(`onegate: ${err.message}\n`);
      process.exit(err.code === 'ERR_PRIVACY_INVALID' ? 2 : 1);
    }
    throw err;
  }
}

/** What a policy command runs with. */
export interface AuthzCliContext {
  config: Config;
  store: Store;
  /** The stored policy, loaded; `authz.replace(policySet, 'operator')` is `onegate policy load`. */
  authz: AuthzService;
}

/**
 * Runs `run` with the authorization service on the configured database; a
 * running server sees its changes through the change feed. Every audit event
 * is committed before the store closes. Authorization errors end the process:
 * invalid input 2, anything else (not found, conflict) 1.
 */
export async function withAuthz(run: (context: AuthzCliContext) => Promise<void>): Promise<void> {
  try {
    const config = loadConfig();
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      await migrateAll(store);
      const audit = new StoreAuditSink(store);
      const authz = await startAuthz(config, store, audit, (err) => {
        process.stderr.write(`onegate: ${err instanceof Error ? err.message : String(err)}\n`);
      });
      try {
        await run({ config, store, authz });
      } finally {
        await authz.stop();
        await audit.flush();
      }
    } finally {
      await store.close();
    }
  } catch (err) {
    if (err instanceof AuthzError) {
      process.stderr.write(`onegate: ${err.message}\n`);
      process.exit(err.code === 'ERR_AUTHZ_INVALID' ? 2 : 1);
    }
    throw err;
  }
}

/** Input the caller can fix is a bad invocation (2); not found, duplicates and the rest failed (1). */
function exitCodeFor(code: IdentityErrorCode): 1 | 2 {
  const invalidInput: readonly IdentityErrorCode[] = [
    'ERR_CLIENT_INVALID',
    'ERR_ACCOUNT_INVALID',
    'ERR_PASSWORD_POLICY',
    'ERR_CONFIG_INVALID',
  ];
  return invalidInput.includes(code) ? 2 : 1;
}

export const EXIT_CODES_HELP = `
Exit codes: 0 done; 1 the operation failed (not found, already exists, database
unreachable, not initialized); 2 bad invocation or invalid input (the message
says what to change).`;

/**
 * Makes a command group's usage errors (unknown option, missing argument or
 * required option) exit 2, as the README's exit codes say; help still exits 0.
 */
export function usageErrorsExit2(group: Command): Command {
  return group.exitOverride((err) => process.exit(err.exitCode === 1 ? 2 : err.exitCode));
}

/** Refuses an invocation the command itself checked; call before opening the store. */
export function refuse(message: string): never {
  process.stderr.write(`onegate: ${message}\n`);
  process.exit(2);
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

// Output shared by the identity commands.

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function printLines(lines: string[]): void {
  process.stdout.write(lines.map((line) => `${line}\n`).join(''));
}

/** `label: value` lines with the values aligned. */
export function fields(pairs: Array<[string, string]>): string[] {
  const width = Math.max(...pairs.map(([label]) => label.length)) + 2;
  return pairs.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`.trimEnd());
}

/** Columns padded to their widest cell; the first row is the header. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

/** Epoch ms as an ISO date to the second; `-` when unset. */
export function isoDate(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}
