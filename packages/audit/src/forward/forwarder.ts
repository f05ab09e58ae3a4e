import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { appendFile } from 'node:fs/promises';
import { connect, isIP, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { connect as connectTls } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { AuditError } from '../errors.ts';
import type { AuditEvent } from '../event/event-schema.ts';
import { formatSyslog } from './syslog.ts';

export type ForwardFormat = 'syslog' | 'jsonl';

export interface ForwarderOptions {
  /**
   * `tls://host:6514` (RFC 5425), `tcp://host:6514` (RFC 6587 octet counting), `udp://host:514`
   * (RFC 5426) or `file:///var/log/onegate-audit.log`.
   */
  target: string;
  /** `syslog` (RFC 5424) or `jsonl` (one `{index, event}` per line); default syslog. */
  format?: ForwardFormat;
  /** tls:// only: PEM certificates the SIEM's chain must end in, instead of Node's default CAs. */
  ca?: string;
  /** tls:// only: the OpenSSL cipher list offered (TLS 1.2 suites and 1.3 suites); default Node's. */
  ciphers?: string;
  /** Events held while the SIEM is slow or away; past this the oldest are dropped (and counted). */
  maxQueue?: number;
  /** The wait after a failed send; it doubles with each failure in a row, up to 30 s. Default 1 s. */
  retryDelayMs?: number;
  onError?: (err: unknown) => void;
}

const PROTOCOLS = ['tls:', 'tcp:', 'udp:', 'file:'];
const MAX_RETRY_DELAY_MS = 30_000;
/** A SIEM that neither answers nor refuses (a dropped SYN, a stalled handshake) counts as down after this. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Copies every appended event to a SIEM, after it is durable in the log and
 * never on the append's path: a slow or absent SIEM costs memory up to
 * `maxQueue`, then dropped copies (counted in `dropped`), never a failed or
 * slower append. The log stays the record; the SIEM gets a copy. A failed send
 * keeps its events at the head of the queue and is tried again after a
 * growing pause, whether or not more events arrive.
 */
export class Forwarder {
  readonly #url: URL;
  /** The target without credentials or query, for messages. */
  readonly #where: string;
  readonly #format: ForwardFormat;
  readonly #ca: string | undefined;
  readonly #ciphers: string | undefined;
  readonly #maxQueue: number;
  readonly #retryDelayMs: number;
  readonly #onError: (err: unknown) => void;
  readonly #host = hostname();
  #queue: string[] = [];
  #sending: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #delayMs: number;
  #dropping = false;
  #closed = false;
  #stream: Socket | undefined;
  #udp: UdpSocket | undefined;
  dropped = 0;
  sent = 0;

  constructor(options: ForwarderOptions) {
    let url: URL;
    try {
      url = new URL(options.target);
    } catch {
      throw new AuditError('ERR_AUDIT_INVALID', 'the forwarding target is not a URL');
    }
    if (!PROTOCOLS.includes(url.protocol) || (url.protocol !== 'file:' && !url.port)) {
      throw new AuditError(
        'ERR_AUDIT_INVALID',
        'the forwarding target is tls://host:port, tcp://host:port, udp://host:port or file:///path',
      );
    }
    if ((options.ca !== undefined || options.ciphers !== undefined) && url.protocol !== 'tls:') {
      throw new AuditError('ERR_AUDIT_INVALID', 'a CA for forwarding needs a tls:// target');
    }
    this.#url = url;
    this.#where = url.protocol === 'file:' ? `file://${url.pathname}` : `${url.protocol}//${url.host}`;
    this.#format = options.format ?? 'syslog';
    this.#ca = options.ca;
    this.#ciphers = options.ciphers;
    this.#maxQueue = options.maxQueue ?? 100_000;
    this.#retryDelayMs = options.retryDelayMs ?? 1000;
    this.#delayMs = this.#retryDelayMs;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Queues copies of appended events; returns at once. */
  forward(events: readonly { index: number; event: AuditEvent }[]): void {
    for (const { index, event } of events) {
      this.#queue.push(
        this.#format === 'syslog'
          ? formatSyslog(event, index, { hostname: this.#host })
          : JSON.stringify({ index, event }),
      );
    }
    this.#trim();
    this.#start();
  }

  /** Waits until what is queued now was handed to the target (or failed). */
  async flush(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  /**
   * Sends what is queued, unless the target is known to be down (a retry is
   * waiting): then it says how many copies never left, rather than hold the
   * shutdown up. The log keeps them all.
   */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) {
      clearTimeout(this.#retry);
      this.#retry = undefined;
      if (this.#queue.length > 0) {
        this.#onError(
          new AuditError(
            'ERR_AUDIT_UNAVAILABLE',
            `closing with ${this.#queue.length} audit events not forwarded to ${this.#where} (the log keeps them)`,
          ),
        );
      }
    }
    await this.flush();
    this.#stream?.end();
    this.#udp?.close();
  }

  #start(): void {
    if (this.#retry) return;
    this.#sending ??= this.#drain().finally(() => (this.#sending = undefined));
  }

  /** Past `maxQueue` the oldest copies go, counted, and said once per overflow. */
  #trim(): void {
    const over = this.#queue.length - this.#maxQueue;
    if (over <= 0) return;
    this.#queue.splice(0, over);
    this.dropped += over;
    if (!this.#dropping) {
      this.#dropping = true;
      this.#onError(
        new AuditError(
          'ERR_AUDIT_UNAVAILABLE',
          `more than ${this.#maxQueue} audit events wait for ${this.#where}: the oldest copies are dropped (the log keeps them)`,
        ),
      );
    }
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, 500);
      try {
        await this.#send(batch);
        this.sent += batch.length;
        this.#delayMs = this.#retryDelayMs;
        this.#dropping = false;
      } catch (err) {
        // Put them back in front and try again later: the SIEM may come back.
        this.#queue.unshift(...batch);
        this.#trim();
        this.#stream?.destroy();
        this.#stream = undefined;
        this.#onError(this.#failure(err));
        if (this.#closed) return;
        this.#retry = setTimeout(() => {
          this.#retry = undefined;
          this.#start();
        }, this.#delayMs).unref();
        this.#delayMs = Math.min(this.#delayMs * 2, MAX_RETRY_DELAY_MS);
        return;
      }
    }
  }

  /** What failed, naming the target and the cause (a TLS verification error, a refused connection). */
  #failure(err: unknown): AuditError {
    const message = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: unknown }).code;
    const cause = typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
    const waiting = this.#queue.length;
    return new AuditError(
      'ERR_AUDIT_UNAVAILABLE',
      `forwarding audit events to ${this.#where} failed: ${cause}; ${waiting} ${waiting === 1 ? 'event waits' : 'events wait'} for a retry`,
      { cause: err },
    );
  }

  async #send(lines: string[]): Promise<void> {
    switch (this.#url.protocol) {
      case 'file:':
        await appendFile(fileURLToPath(this.#url), lines.map((l) => `${l}\n`).join(''), { mode: 0o600 });
        return;
      case 'udp:': {
        const udp = (this.#udp ??= createSocket(this.#url.hostname.includes(':') ? 'udp6' : 'udp4'));
        for (const line of lines) {
          await new Promise<void>((resolve, reject) =>
            udp.send(
              Buffer.from(line, 'utf8'),
              Number(this.#url.port),
              this.#url.hostname.replace(/^\[|\]$/g, ''),
              (err) => (err ? reject(err) : resolve()),
            ),
          );
        }
        return;
      }
      default: {
        const stream = this.#stream ?? (this.#stream = await this.#connect());
        // RFC 6587 octet counting, which RFC 5425 prescribes for TLS: "LEN SP MSG", so a message may hold newlines.
        const frames = lines.map((l) => `${Buffer.byteLength(l, 'utf8')} ${l}`).join('');
        await new Promise<void>((resolve, reject) =>
          stream.write(frames, (err) => (err ? reject(err) : resolve())),
        );
      }
    }
  }

  /** A TCP connection, or a TLS one whose certificate chain and host name were verified. */
  #connect(): Promise<Socket> {
    const host = this.#url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(this.#url.port);
    const tls = this.#url.protocol === 'tls:';
    return new Promise((resolve, reject) => {
      const socket = tls
        ? connectTls({
            host,
            port,
            // SNI takes a name, never an address (RFC 6066 §3); the certificate is checked against `host` either way.
            ...(isIP(host) === 0 ? { servername: host } : {}),
            minVersion: 'TLSv1.2',
            ...(this.#ca === undefined ? {} : { ca: this.#ca }),
            ...(this.#ciphers === undefined ? {} : { ciphers: this.#ciphers }),
          })
        : connect(port, host);
      const timer = setTimeout(
        () => socket.destroy(new Error(`no connection within ${CONNECT_TIMEOUT_MS / 1000} s`)),
        CONNECT_TIMEOUT_MS,
      ).unref();
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      socket.once('error', fail);
      // With TLS, 'secureConnect' comes only after the chain and the name were verified.
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        // A failure while idle shows at the next write, which reports it; a SIEM sends nothing
        // worth reading, but reading is how a closed connection is noticed before writing to it.
        socket.on('error', () => undefined);
        socket.once('close', () => {
          if (this.#stream === socket) this.#stream = undefined;
        });
        socket.resume();
        resolve(socket);
      });
    });
  }
}
