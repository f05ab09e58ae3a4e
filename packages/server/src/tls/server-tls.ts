import type { X509Certificate } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import type { ServerOptions, Server as HttpsServer } from 'node:https';
import { basename, dirname, resolve } from 'node:path';
import type { Config } from '../config/settings.ts';
import type { Logger } from '../logger.ts';
import type { Metrics, TlsCertificatesInUse } from '../metrics.ts';
import { daysUntilExpiry, type TrustAnchors } from '../pki/index.ts';
import { readTlsFiles, type TlsFiles } from './tls-files.ts';

/** Warn from this many days before a certificate expires. */
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export interface ServerTlsOptions {
  logger: Logger;
  metrics: Metrics;
  /** Quiet time after a file change before reading the files (editors and `mv` make several events). */
  debounceMs?: number;
}

type TlsSettings = Pick<Config, 'tlsCert' | 'tlsKey' | 'tlsCa' | 'tlsCrl'>;

/**
 * The TLS files in use: the server's certificate and key (HTTPS) and the
 * trust anchors for client certificates (tlsCa, tlsCrl). `reload()` reads
 * them again, and on SIGHUP or a change of any of them that happens by
 * itself; a new server certificate goes to the listening server with
 * `setSecureContext`, so open connections carry on. Files that do not check
 * out leave the ones in use in place.
 */
export class ServerTls {
  readonly #config: TlsSettings;
  readonly #logger: Logger;
  readonly #metrics: Metrics;
  readonly #debounceMs: number;
  readonly #servers = new Set<HttpsServer>();
  readonly #watchers: FSWatcher[] = [];
  #files: TlsFiles;
  #debounce: NodeJS.Timeout | undefined;
  #daily: NodeJS.Timeout | undefined;
  readonly #onSighup = () => {
    this.#logger.info('SIGHUP: reloading the TLS files');
    this.reload();
  };

  /** Reads and checks the files; throws ERR_TLS_CONFIG naming the setting if one is unusable. */
  constructor(config: TlsSettings, options: ServerTlsOptions) {
    this.#config = config;
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#debounceMs = options.debounceMs ?? 300;
    this.#files = readTlsFiles(config);
    this.#metrics.trackTlsCertificates(() => this.certificates());
    this.#warnIfExpiring();
  }

  /** Whether there are TLS files at all (HTTPS, or trust anchors for forwarded certificates). */
  get configured(): boolean {
    return this.#config.tlsCa !== undefined || this.#config.tlsCert !== undefined;
  }

  /** Options for `https.createServer`, or undefined when OneGate serves plain HTTP. */
  httpsOptions(): ServerOptions | undefined {
    if (!this.#files.context) return undefined;
    // With a CA, ask for a certificate but let every handshake through: the
    // application decides, so a bad certificate becomes a clear OAuth error
    // rather than a failed handshake.
    return this.#config.tlsCa !== undefined
      ? { ...this.#files.context, requestCert: true, rejectUnauthorized: false }
      : { ...this.#files.context };
  }

  /** The trust anchors for client certificates now (undefined without tlsCa). */
  trust(): TrustAnchors | undefined {
    return this.#files.trust;
  }

  certificates(): TlsCertificatesInUse {
    return { server: this.#files.serverCertificate, cas: this.#files.trust?.cas ?? [] };
  }

  /** Starts following the files: SIGHUP, file changes, and a daily look at expiry. */
  watch(server: HttpsServer | undefined): void {
    if (server) this.#servers.add(server);
    if (!this.configured) return;
    process.on('SIGHUP', this.#onSighup);
    this.#daily = setInterval(() => this.#warnIfExpiring(), DAY_MS).unref();
    for (const [directory, names] of this.#directories()) {
      try {
        const watcher = watch(directory, { persistent: false }, (_event, filename) => {
          // Also `..data` and the like: Kubernetes swaps a symlinked folder of secrets.
          if (filename === null || names.has(filename) || filename.startsWith('..')) this.#scheduleReload();
        });
        watcher.on('error', (err) =>
          this.#logger.warn(
            { directory, code: (err as { code?: unknown }).code },
            'cannot watch TLS files: reload with SIGHUP',
          ),
        );
        this.#watchers.push(watcher);
      } catch (err) {
        this.#logger.warn(
          { directory, code: (err as { code?: unknown }).code },
          'cannot watch TLS files: reload with SIGHUP',
        );
      }
    }
  }

  /**
   * Reads the files again and puts them to use if they check out; returns
   * whether the files now in use are the ones on disk.
   */
  reload(): boolean {
    let next: TlsFiles;
    try {
      next = readTlsFiles(this.#config);
    } catch (err) {
      // ERR_TLS_CONFIG messages name the setting and the problem, never file contents.
      this.#logger.error(
        { code: (err as { code?: unknown }).code, message: (err as Error).message },
        'TLS files not reloaded: the ones in use stay',
      );
      return false;
    }
    if (next.fingerprint === this.#files.fingerprint) return true;
    if (next.context) {
      for (const server of this.#servers) server.setSecureContext(next.context);
    }
    this.#files = next;
    this.#metrics.trackTlsCertificates(() => this.certificates());
    const server = next.serverCertificate;
    this.#logger.info(
      {
        serverCertificate: server && {
          serial: server.serialNumber,
          notAfter: server.validToDate.toISOString(),
        },
        clientCas: next.trust?.cas.length ?? 0,
      },
      'TLS files reloaded',
    );
    this.#warnIfExpiring();
    return true;
  }

  close(): void {
    process.off('SIGHUP', this.#onSighup);
    clearInterval(this.#daily);
    clearTimeout(this.#debounce);
    for (const watcher of this.#watchers.splice(0)) watcher.close();
    this.#servers.clear();
  }

  #scheduleReload(): void {
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => this.reload(), this.#debounceMs).unref();
  }

  /** Each folder holding a TLS file, with the names in it: watching the folder sees a file replaced by `mv`. */
  #directories(): Map<string, Set<string>> {
    const paths = [this.#config.tlsCert, this.#config.tlsKey, this.#config.tlsCa, ...this.#config.tlsCrl];
    const directories = new Map<string, Set<string>>();
    for (const path of paths) {
      if (path === undefined) continue;
      const full = resolve(path);
      const names = directories.get(dirname(full)) ?? new Set<string>();
      names.add(basename(full));
      directories.set(dirname(full), names);
    }
    return directories;
  }

  #warnIfExpiring(now = new Date()): void {
    const { server, cas } = this.certificates();
    const check = (certificate: X509Certificate, which: 'server' | 'ca') => {
      const days = daysUntilExpiry(certificate, now);
      if (days >= EXPIRY_WARNING_DAYS) return;
      this.#logger.warn(
        {
          certificate: which,
          subject: certificate.subject,
          notAfter: certificate.validToDate.toISOString(),
          daysLeft: Math.floor(days),
        },
        days <= 0
          ? 'TLS certificate has expired'
          : `TLS certificate expires in less than ${EXPIRY_WARNING_DAYS} days`,
      );
    };
    if (server) check(server, 'server');
    for (const ca of cas) check(ca, 'ca');
  }
}
