import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { appendFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { AuditError } from '../errors.ts';
import type { AuditEvent } from '../event/event-schema.ts';
import { formatSyslog } from './syslog.ts';

export type ForwardFormat = 'syslog' | 'jsonl';

export interface ForwarderOptions {
  /** `udp://host:514` (RFC 5426), `tcp://host:6514` (RFC 6587 octet counting) or `file:///var/log/onegate-audit.log`. */
  target: string;
  /** `syslog` (RFC 5424) or `jsonl` (one `{index, event}` per line); default syslog. */
  format?: ForwardFormat;
  /** Events held while the SIEM is slow or away; past this the oldest are dropped (and counted). */
  maxQueue?: number;
  onError?: (err: unknown) => void;
}

/**
 * Copies every appended event to a SIEM, after it is durable in the log and
 * never on the append's path: a slow or absent SIEM costs memory up to
 * `maxQueue`, then dropped copies (counted in `dropped`), never a failed or
 * slower append. The log stays the record; the SIEM gets a copy.
 */
export class Forwarder {
  readonly #url: URL;
  readonly #format: ForwardFormat;
  readonly #maxQueue: number;
  readonly #onError: (err: unknown) => void;
  readonly #host = hostname();
  #queue: string[] = [];
  #sending: Promise<void> | undefined;
  #tcp: Socket | undefined;
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
    if (!['udp:', 'tcp:', 'file:'].includes(url.protocol) || (url.protocol !== 'file:' && !url.port)) {
      throw new AuditError(
        'ERR_AUDIT_INVALID',
        'the forwarding target is udp://host:port, tcp://host:port or file:///path',
      );
    }
    this.#url = url;
    this.#format = options.format ?? 'syslog';
    this.#maxQueue = options.maxQueue ?? 100_000;
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
    const over = this.#queue.length - this.#maxQueue;
    if (over > 0) {
      this.#queue.splice(0, over);
      this.dropped += over;
    }
    this.#sending ??= this.#drain().finally(() => (this.#sending = undefined));
  }

  /** Waits until what is queued now was handed to the target (or failed). */
  async flush(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  async close(): Promise<void> {
    await this.flush();
    this.#tcp?.end();
    this.#udp?.close();
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, 500);
      try {
        await this.#send(batch);
        this.sent += batch.length;
      } catch (err) {
        // Put them back in front and wait a little: the SIEM may come back.
        this.#queue.unshift(...batch);
        this.#tcp?.destroy();
        this.#tcp = undefined;
        this.#onError(err);
        await new Promise((resolve) => setTimeout(resolve, 1000).unref());
        return;
      }
    }
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
        const tcp = this.#tcp ?? (this.#tcp = await this.#connect());
        // RFC 6587 octet counting: "LEN SP MSG", so a message may hold newlines.
        const frames = lines.map((l) => `${Buffer.byteLength(l, 'utf8')} ${l}`).join('');
        await new Promise<void>((resolve, reject) =>
          tcp.write(frames, (err) => (err ? reject(err) : resolve())),
        );
      }
    }
  }

  #connect(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(Number(this.#url.port), this.#url.hostname.replace(/^\[|\]$/g, ''));
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.on('error', (err) => this.#onError(err));
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }
}
