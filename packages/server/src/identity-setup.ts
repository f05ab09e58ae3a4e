import type { KeyObject } from 'node:crypto';
import { AuditError, type AuditEvent, type AuditService } from '@onegate/audit';
import { Identity, loadMasterKey, type DataAccessReader } from '@onegate/identity';
import type { Keyring } from '@onegate/privacy';
import type { Store } from '@onegate/store';
import type { Config } from './config/settings.ts';
import type { Logger } from './logger.ts';

/**
 * Starts sign-in on the store. In development a missing master key and
 * signing keys are created (and the log says so); in production both must
 * come from `onegate init`, and their absence stops the start.
 */
export async function loadServerMasterKey(config: Config, logger: Logger): Promise<KeyObject> {
  const master = await loadMasterKey({
    env: process.env,
    dataDir: config.dataDir,
    create: config.env === 'development',
  });
  if (master.source === 'created') {
    logger.warn(
      { path: master.path },
      'created a new master key for development; back it up, sealed secrets depend on it',
    );
  }
  return master.key;
}

/**
 * Starts sign-in on the store, with the privacy keyring (started first) to
 * seal accounts' personal data, TOTP secrets and signing keys. Data stored
 * before the keyring is sealed under it during the start.
 */
export async function startIdentity(
  config: Config,
  store: Store,
  masterKey: KeyObject,
  audit: AuditService,
  logger: Logger,
  keyring: Keyring,
): Promise<Identity> {
  const development = config.env === 'development';
  const identity = await Identity.start({
    store,
    audit,
    keyring,
    masterKey,
    createKeys: development,
    dataAccess: dataAccessReader(audit),
    clientAuthLimits: {
      failuresPerClient: config.clientAuthFailuresPerClient,
      failuresPerAddress: config.clientAuthFailuresPerAddress,
      windowSeconds: config.clientAuthFailureWindowSeconds,
    },
    onError: (err) =>
      logger.error(
        { code: (err as { code?: unknown }).code, message: (err as Error).message },
        'identity background error',
      ),
    settings: {
      issuer: config.issuer,
      development,
      sessionIdleSeconds: config.sessionIdleSeconds,
      sessionMaxSeconds: config.sessionMaxSeconds,
      refreshTokenMaxSeconds: config.refreshTokenMaxSeconds,
      outboundAllowedHosts: config.outboundAllowedHosts,
      signingAlgs: config.signingAlgs,
      passwordHash: {
        memoryKiB: config.argon2MemoryKiB,
        timeCost: config.argon2TimeCost,
        parallelism: config.argon2Parallelism,
      },
    },
  });
  return identity;
}

/**
 * The citizen's "who looked at my data" reads the audit log through this:
 * identity resolves whose events (the citizen's ids), the log answers.
 */
export function dataAccessReader(audit: AuditService): DataAccessReader {
  return {
    eventsAbout: (subjects, page) =>
      audit.query(
        { subjects },
        { limit: page.limit, ...(page.before === undefined ? {} : { before: page.before }) },
      ),
    event: async (index) => {
      try {
        return JSON.parse((await audit.entry(index)).toString('utf8')) as AuditEvent;
      } catch (err) {
        // No such entry, or its body is gone by retention: nothing to show or report.
        if (
          err instanceof AuditError &&
          (err.code === 'ERR_AUDIT_NOT_FOUND' || err.code === 'ERR_AUDIT_INVALID')
        )
          return undefined;
        throw err;
      }
    },
  };
}
