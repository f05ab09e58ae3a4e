import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { AuthzService } from '@onegate/authz';
import type { AuditService } from '@onegate/audit';
import type { Identity } from '@onegate/identity';
import { PrivacyService, type Keyring } from '@onegate/privacy';
import { openStore, type Store } from '@onegate/store';
import { createApp, type Extend } from './app.ts';
import { startAuthz } from './authz-setup.ts';
import type { Config } from './config/settings.ts';
import type { Lifecycle } from './lifecycle.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { loadServerMasterKey, startIdentity } from './identity-setup.ts';
import { createAudit } from './audit-setup.ts';
import { migrateAll } from './migrations.ts';
import { decryptAuthorizer, loadServerKeks, startKeyring } from './privacy-setup.ts';
import { ServerTls } from './tls/server-tls.ts';
import { readForwardCa } from './tls/forward-ca.ts';

export interface RunningServer {
  /** Where this process listens, e.g. `http://127.0.0.1:8080` (`https://` with tlsCert). */
  url: string;
  store: Store;
  identity: Identity;
  authz: AuthzService;
  keyring: Keyring;
  audit: AuditService;
  /**
   * Reads the TLS files again now, as SIGHUP and a change of the files do:
   * new connections get the new server certificate, open ones keep theirs.
   * False (and an error logged) if the files on disk are unusable; the ones
   * in use then stay.
   */
  reloadTls(): boolean;
  /** Stops accepting, lets in-flight requests finish (up to the timeout), then closes the store. */
  shutdown(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  extend?: Extend;
}

/** Opens the store, applies migrations, and listens. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config);
  const metrics = createMetrics();
  // Unusable TLS files stop the start before anything else is touched.
  const tls = new ServerTls(config, { logger, metrics });
  const forwardCa = readForwardCa(config);
  // Before the database is touched: in production a missing key means `onegate init` has not run.
  const masterKey = await loadServerMasterKey(config, logger);
  const keks = await loadServerKeks(config, logger);
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onError: (err) => logger.warn({ code: (err as { code?: unknown }).code }, 'database connection problem'),
  });
  // Retention's own role (ASVS 13.2.2): a small second pool, used by nothing else.
  const retentionStore =
    config.auditRetentionDatabaseUrl === undefined
      ? undefined
      : await openStore({
          databaseUrl: config.auditRetentionDatabaseUrl,
          onError: (err) =>
            logger.warn({ code: (err as { code?: unknown }).code }, 'retention database connection problem'),
        }).catch(async (err: unknown) => {
          await store.close();
          throw err;
        });
  const lifecycle: Lifecycle = { draining: false };
  try {
    await migrateAll(store);
    const { audit, start: startAuditLog } = createAudit(config, store, backgroundError(logger, 'audit'), {
      forwardCa,
      retentionStore,
    });
    const keyring = await startKeyring(config, store, keks, audit, backgroundError(logger, 'privacy'));
    let identity: Identity;
    try {
      await startAuditLog(keyring);
      identity = await startIdentity(config, store, masterKey, audit, logger, keyring);
    } catch (err) {
      await keyring.stop();
      throw err;
    }
    let authz: AuthzService;
    try {
      authz = await startAuthz(config, store, audit, (err) =>
        logger.error(
          { code: (err as { code?: unknown }).code, message: (err as Error).message },
          'authorization background error',
        ),
      );
    } catch (err) {
      await identity.close();
      await keyring.stop();
      throw err;
    }
    const privacy = new PrivacyService({
      keyring,
      audit,
      authorize: decryptAuthorizer(authz),
      minAcr: config.privacyDecryptMinAcr,
      limits: {
        perPersonPerDay: config.privacyDecryptsPerPersonPerDay,
        perClientPerMinute: config.privacyDecryptsPerClientPerMinute,
        indexesPerClientPerMinute: config.privacyBlindIndexesPerClientPerMinute,
      },
    });
    const app = createApp(
      {
        config,
        store,
        logger,
        metrics,
        lifecycle,
        identity,
        audit,
        authz,
        keyring,
        privacy,
        tls,
      },
      options.extend,
    );
    const httpsOptions = tls.httpsOptions();
    const handler = app.callback();
    // Koa's callback returns a promise that it handles itself; node:http ignores the return value.
    /* eslint-disable @typescript-eslint/no-misused-promises */
    const server: Server | HttpsServer = httpsOptions
      ? createHttpsServer(httpsOptions, handler)
      : createServer(handler);
    /* eslint-enable @typescript-eslint/no-misused-promises */
    await listen(server, config);
    tls.watch(httpsOptions ? (server as HttpsServer) : undefined);
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `${httpsOptions ? 'https' : 'http'}://${host}:${port}`;
    logger.info(
      { url, issuer: config.issuer, database: store.dialect, clientCertificates: config.tlsCa !== undefined },
      'OneGate listening',
    );
    let stopping: Promise<void> | undefined;
    return {
      url,
      store,
      identity,
      authz,
      keyring,
      audit,
      reloadTls: () => tls.reload(),
      shutdown: () =>
        (stopping ??= drain(server, store, lifecycle, logger, config.shutdownTimeoutMs, async () => {
          tls.close();
          await authz.stop();
          await identity.close();
          // Every acknowledged audit event is committed, and a last checkpoint signed, before the keyring goes.
          await audit.close();
          await retentionStore?.close();
          await keyring.stop();
        })),
    };
  } catch (err) {
    await retentionStore?.close();
    await store.close();
    throw err;
  }
}

function backgroundError(logger: Logger, what: string): (err: unknown) => void {
  return (err) =>
    logger.error(
      { code: (err as { code?: unknown }).code, message: (err as Error).message },
      `${what} background error`,
    );
}

function listen(server: Server | HttpsServer, config: Config): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function drain(
  server: Server | HttpsServer,
  store: Store,
  lifecycle: Lifecycle,
  logger: Logger,
  timeoutMs: number,
  closeServices: () => Promise<void>,
): Promise<void> {
  logger.info('shutting down: no new connections, finishing in-flight requests');
  lifecycle.draining = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections become idle once their last response is sent: close them as they do.
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  let forced = false;
  const deadline = setTimeout(() => {
    forced = true;
    server.closeAllConnections();
  }, timeoutMs);
  await closed;
  clearInterval(sweep);
  clearTimeout(deadline);
  await closeServices();
  await store.close();
  if (forced) logger.warn({ timeoutMs }, 'shutdown timeout reached: remaining connections were cut');
  logger.info('stopped');
}

/** Installs SIGTERM/SIGINT handling for a long-running process: drain, then exit. */
export function exitOnSignals(running: RunningServer, logger: Logger): void {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'signal received');
    running.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
