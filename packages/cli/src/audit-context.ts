import {
  AuditService,
  CheckpointKeys,
  isAuditError,
  MerkleLog,
  type KeySealer,
  type NoteVerifier,
} from '@onegate/audit';
import { isPrivacyError, kekFromBase64, loadKek } from '@onegate/privacy';
import {
  auditOrigin,
  createAudit,
  loadConfig,
  migrateAll,
  PREVIOUS_KEK_ENV,
  privacyMasker,
  startKeyring,
  type Config,
  type ServerKeks,
} from '@onegate/server';
import { openStore, type Store } from '@onegate/store';

/** Who the log records as acting for the CLI. */
const OPERATOR = 'operator';

/** What an `onegate audit` command runs with. */
export interface AuditCliContext {
  config: Config;
  store: Store;
  /** The log on the store, with the server's origin and masking. Signs only with `sign: true`. */
  audit: AuditService;
  /** Every checkpoint key that ever signed this log, read from the store: no KEK needed. */
  storedVerifiers: () => Promise<NoteVerifier[]>;
  /**
   * Records that the operator copied events out of the log (`audit.export`,
   * actor `operator`), as the HTTP API records its callers' exports; durable
   * when it resolves. `details` passes the personal-data detector, so a
   * subject exported by is not spread by the record of the export.
   */
  recordExport: (details: Record<string, unknown>) => Promise<void>;
}

export interface AuditCliOptions {
  /**
   * The command signs (a checkpoint, the verifier key of a key made on first
   * use): load the privacy KEK and start the keyring that seals the
   * checkpoint keys. Reading, searching and verifying need neither, so an
   * auditor with access to the database runs them without the KEK.
   */
  sign?: boolean;
}

/**
 * Runs `run` with the audit log of the configured database, and always
 * closes the store. With `sign`, the KEK is loaded before the database is
 * touched (created only in development, as the other commands do), the log
 * is made as the server makes it (witnesses, SIEM copy), the keyring is
 * started with the log as its audit sink, and the log is closed before the
 * keyring stops: every event the run caused (a checkpoint key made on first
 * use) committed and covered by a signed checkpoint. Without, the log only
 * reads and records exports: no timers, no SIEM connection, nothing to sign.
 * Audit errors end the process: invalid input 2, anything else 1; privacy
 * errors (a KEK that does not fit) likewise.
 */
export async function withAudit(
  run: (context: AuditCliContext) => Promise<void>,
  options: AuditCliOptions = {},
): Promise<void> {
  try {
    const config = loadConfig();
    const keks = options.sign ? await loadKeks(config) : undefined;
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      await migrateAll(store);
      const origin = auditOrigin(config.issuer);
      const context = (audit: AuditService): AuditCliContext => ({
        config,
        store,
        audit,
        storedVerifiers: () => new CheckpointKeys(store, refusingSealer, origin).verifiers(),
        recordExport: (details) =>
          audit.write({ action: 'audit.export', outcome: 'success', actor: OPERATOR, details }),
      });
      if (!keks) {
        const audit = new AuditService({
          store,
          log: new MerkleLog(store, { writerThread: false }),
          keys: new CheckpointKeys(store, refusingSealer, origin),
          origin,
          masker: privacyMasker,
          checkpointIntervalMs: 0,
          pruneIntervalMs: 0,
          onError: warn,
        });
        return await run(context(audit));
      }
      await signing(config, store, keks, (audit) => run(context(audit)));
    } finally {
      await store.close();
    }
  } catch (err) {
    if (isAuditError(err) || isPrivacyError(err)) {
      process.stderr.write(`onegate: ${err.message} [${err.code}]\n`);
      process.exit(err.code === 'ERR_AUDIT_INVALID' || err.code === 'ERR_PRIVACY_INVALID' ? 2 : 1);
    }
    throw err;
  }
}

async function signing(
  config: Config,
  store: Store,
  keks: ServerKeks,
  run: (audit: AuditService) => Promise<void>,
): Promise<void> {
  // No timers: a command is short. Retention and checkpoints on a schedule are the server's.
  // A command appends a handful of events: starting the log's writer thread would cost more than it saves.
  const { audit, start } = createAudit(config, store, warn, {
    checkpointIntervalMs: 0,
    pruneIntervalMs: 0,
    writerThread: false,
  });
  const keyring = await startKeyring(config, store, keks, audit, warn);
  try {
    try {
      await start(keyring);
      await run(audit);
    } finally {
      await audit.close();
    }
  } finally {
    await keyring.stop();
  }
}

async function loadKeks(config: Config): Promise<ServerKeks> {
  const loaded = await loadKek({
    env: process.env,
    dataDir: config.dataDir,
    create: config.env === 'development',
  });
  if (loaded.source === 'created') {
    process.stderr.write(
      `onegate: created a new development privacy key-encryption key ${loaded.path}; back it up apart from the database, encrypted personal data depends on it\n`,
    );
  }
  const previous = process.env[PREVIOUS_KEK_ENV];
  return {
    kek: loaded.kek,
    previousKeks:
      previous === undefined || previous === '' ? [] : [kekFromBase64(previous, PREVIOUS_KEK_ENV)],
  };
}

/** Verifiers never open a sealed key; a read-only command that tried would be a bug, so it fails loudly. */
const refusingSealer: KeySealer = {
  seal: () => Promise.reject(new Error('a read-only audit command tried to seal a checkpoint key')),
  open: () => Promise.reject(new Error('a read-only audit command tried to open a checkpoint key')),
};

/** A background failure (a witness, the SIEM copy): said on stderr, the command goes on. */
function warn(err: unknown): void {
  process.stderr.write(`onegate: ${err instanceof Error ? err.message : String(err)}\n`);
}
