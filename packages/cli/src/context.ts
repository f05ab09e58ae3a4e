import type { Command } from 'commander';
import type { AuditService } from '@onegate/audit';
import { AuthzError, type AuthzService } from '@onegate/authz';
import {
  identityServices,
  IdentityError,
  loadMasterKey,
  type IdentityErrorCode,
  type IdentityServices,
  type MasterKey,
} from '@onegate/identity';
import { isPrivacyError, kekFromBase64, loadKek, type Keyring, type LoadedKek } from '@onegate/privacy';
import {
  createAudit,
  loadConfig,
  migrateAll,
  PREVIOUS_KEK_ENV,
  startAuthz,
  startKeyring,
  type Config,
  type ServerKeks,
} from '@onegate/server';
import { openStore, type MigrationResult, type Store } from '@onegate/store';

/** What every command that changes the platform runs with. */
export interface PlatformContext {
  config: Config;
  store: Store;
  migrations: MigrationResult[];
  /** Started on the store; seals personal data, secrets and the audit log's checkpoint keys. */
  keyring: Keyring;
  /**
   * The tamper-evident audit log: the keyring and every service the command
   * makes write their acts here (actor `operator` where they act for the CLI).
   */
  audit: AuditService;
}

/**
 * Opens the configured database, migrates it, starts the keyring on `keks`
 * and the audit log on the keyring, and runs `run`. Afterwards, whatever
 * happened: the audit log is closed (every event committed, a last
 * checkpoint signed), then the keyring stopped, then the store closed. The
 * caller loads the KEKs first, so that a command refused for want of one
 * touches no database. The log runs no timers (checkpoints, retention): a
 * command is short, and the checkpoint at close covers what it wrote.
 */
export async function withPlatformServices(
  config: Config,
  keks: ServerKeks,
  run: (context: PlatformContext) => Promise<void>,
): Promise<void> {
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const migrations = await migrateAll(store);
    // A command appends a handful of events: starting the log's writer thread would cost more than it saves.
    const { audit, start } = createAudit(config, store, reportError, {
      checkpointIntervalMs: 0,
      pruneIntervalMs: 0,
      writerThread: false,
    });
    let keyring: Keyring;
    try {
      keyring = await startKeyring(config, store, keks, audit, reportError);
    } catch (err) {
      // A KEK that does not match: no checkpoint without a keyring, but what was written is kept.
      await audit.flush();
      throw err;
    }
    try {
      try {
        await start(keyring);
        await run({ config, store, migrations, keyring, audit });
      } finally {
        await audit.close();
      }
    } finally {
      await keyring.stop();
    }
  } finally {
    await store.close();
  }
}

/** A background failure (a checkpoint, the change feed): said on stderr, the command goes on. */
function reportError(err: unknown): void {
  process.stderr.write(`onegate: ${err instanceof Error ? err.message : String(err)}\n`);
}

/**
 * The privacy key-encryption key (created only when `create`, saying so
 * unless `quiet`) and, during a KEK rotation, the previous one from
 * ONEGATE_PRIVACY_PREVIOUS_KEK, which only unwraps, as in the server.
 */
async function loadCliKeks(
  config: Config,
  options: { create: boolean; quiet?: boolean },
): Promise<{ keks: ServerKeks; loaded: LoadedKek }> {
  const loaded = await loadKek({ env: process.env, dataDir: config.dataDir, create: options.create });
  if (loaded.source === 'created' && !options.quiet) {
    process.stderr.write(
      `onegate: created a new development privacy key-encryption key ${loaded.path}; back it up apart from the database, encrypted personal data depends on it\n`,
    );
  }
  const previous = process.env[PREVIOUS_KEK_ENV];
  const previousKeks =
    previous === undefined || previous === '' ? [] : [kekFromBase64(previous, PREVIOUS_KEK_ENV)];
  return { keks: { kek: loaded.kek, previousKeks }, loaded };
}

/** What an identity command runs with. */
export interface CliContext extends PlatformContext {
  masterKey: MasterKey;
  /** The privacy key-encryption key and where it came from (`created` by this run, for `onegate init`). */
  kek: LoadedKek;
  services: IdentityServices;
}

/**
 * Runs `run` with the identity services on the configured database, audited
 * to the audit log, and always closes the log, stops the keyring and closes
 * the store. A missing master key or privacy key-encryption key is created
 * only in development or by `onegate init` (`createMasterKey`): in
 * production their absence means init has not run. Both are loaded before
 * the database is touched, so a command refused for want of one migrates
 * nothing. Identity errors end the process with their exit code (see
 * `exitCodeFor`); privacy errors too: invalid input 2, anything else 1 (a
 * key-encryption key that is missing or does not match the database's keys,
 * a value that will not open).
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
    const { keks, loaded: kek } = await loadCliKeks(config, {
      create,
      quiet: options.createMasterKey === true,
    });
    await withPlatformServices(config, keks, async (platform) => {
      const services = identityServices({
        store: platform.store,
        audit: platform.audit,
        keyring: platform.keyring,
        masterKey: masterKey.key,
        passwordHash: {
          memoryKiB: config.argon2MemoryKiB,
          timeCost: config.argon2TimeCost,
          parallelism: config.argon2Parallelism,
        },
        development,
        outboundAllowedHosts: config.outboundAllowedHosts,
        issuer: config.issuer,
        signingAlgs: config.signingAlgs,
      });
      await run({ ...platform, masterKey, kek, services });
    });
  } catch (err) {
    if (err instanceof IdentityError) {
      process.stderr.write(`onegate: ${err.message}\n`);
      process.exit(exitCodeFor(err.code));
    }
    exitOnPrivacyError(err);
    throw err;
  }
}

/** What a policy command runs with. */
export interface AuthzCliContext extends PlatformContext {
  /** The stored policy, loaded; `authz.replace(policySet, 'operator')` is `onegate policy load`. */
  authz: AuthzService;
}

/**
 * Runs `run` with the authorization service on the configured database; a
 * running server sees its changes through the change feed. Its acts go to
 * the audit log, whose checkpoints the keyring seals: the privacy
 * key-encryption key is loaded first, as for the identity commands (created
 * only in development), before the database is touched. Every audit event
 * is committed before the store closes. Authorization errors end the
 * process: invalid input 2, anything else (not found, conflict) 1; privacy
 * errors (a missing or wrong key-encryption key) likewise.
 */
export async function withAuthz(run: (context: AuthzCliContext) => Promise<void>): Promise<void> {
  try {
    const config = loadConfig();
    const { keks } = await loadCliKeks(config, { create: config.env === 'development' });
    await withPlatformServices(config, keks, async (platform) => {
      const authz = await startAuthz(config, platform.store, platform.audit, reportError);
      try {
        await run({ ...platform, authz });
      } finally {
        await authz.stop();
      }
    });
  } catch (err) {
    if (err instanceof AuthzError) {
      process.stderr.write(`onegate: ${err.message}\n`);
      process.exit(err.code === 'ERR_AUTHZ_INVALID' ? 2 : 1);
    }
    exitOnPrivacyError(err);
    throw err;
  }
}

/** A privacy error ends the process: invalid input 2, anything else 1. */
function exitOnPrivacyError(err: unknown): void {
  if (isPrivacyError(err)) {
    process.stderr.write(`onegate: ${err.message}\n`);
    process.exit(err.code === 'ERR_PRIVACY_INVALID' ? 2 : 1);
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
