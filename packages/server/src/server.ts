import { createServer, type Server } from 'node:http';
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

export interface RunningServer {
  /** Where this process listens, e.g. `http://127.0.0.1:8080`. */
  url: string;
  store: Store;
  identity: Identity;
  authz: AuthzService;
  keyring: Keyring;
  audit: AuditService;
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
  // Before the database is touched: in production a missing key means `onegate init` has not run.
  const masterKey = await loadServerMasterKey(config, logger);
  const keks = await loadServerKeks(config, logger);
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onError: (err) => logger.warn({ code: (err as { code?: unknown }).code }, 'database connection problem'),
  });
  const lifecycle: Lifecycle = { draining: false };
  try {
    await migrateAll(store);
    const { audit, start: startAuditLog } = createAudit(config, store, backgroundError(logger, 'audit'));
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
      },
    });
    const app = createApp(
      {
        config,
        store,
        logger,
        metrics: createMetrics(),
        lifecycle,
        identity,
        audit,
        authz,
        keyring,
        privacy,
      },
      options.extend,
    );
    // Koa's callback returns a promise that it handles itself; node:http ignores the return value.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    const server = createServer(app.callback());
    await listen(server, config);
    const { port } = server.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host}:${port}`;
    logger.info({ url, issuer: config.issuer, database: store.dialect }, 'OneGate listening');
    let stopping: Promise<void> | undefined;
    return {
      url,
      store,
      identity,
      authz,
      keyring,
      audit,
      shutdown: () =>
        (stopping ??= drain(server, store, lifecycle, logger, config.shutdownTimeoutMs, async () => {
          await authz.stop();
          await identity.close();
          // Every acknowledged audit event is committed, and a last checkpoint signed, before the keyring goes.
          await audit.close();
          await keyring.stop();
        })),
    };
  } catch (err) {
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

function listen(server: Server, config: Config): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function drain(
  server: Server,
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
