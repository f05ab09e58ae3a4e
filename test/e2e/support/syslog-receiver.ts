import type { AddressInfo } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { KeyAndCertificate } from '@onegate/server';

/**
 * A SIEM's RFC 5425 listener: syslog over TLS, each message framed as
 * "MSG-LEN SP SYSLOG-MSG" (octet counting). Records every message; can go
 * down and come back on the same port.
 */
export class TlsSyslogReceiver {
  readonly messages: string[] = [];
  /** Connections whose TLS handshake completed. */
  handshakes = 0;
  /** Connections whose TLS handshake failed (the client refused our certificate, or spoke no TLS). */
  failedHandshakes = 0;
  port = 0;
  readonly #identity: KeyAndCertificate;
  readonly #sockets = new Set<TLSSocket>();
  #server: Server | undefined;

  constructor(identity: KeyAndCertificate) {
    this.#identity = identity;
  }

  /** The index="…" of every message received, in order. */
  get indexes(): number[] {
    return this.messages.map((m) => Number(/ index="(\d+)"/.exec(m)?.[1]));
  }

  async start(): Promise<void> {
    const server = createServer(
      { cert: this.#identity.certPem, key: this.#identity.keyPem, minVersion: 'TLSv1.2' },
      (socket) => {
        this.handshakes++;
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => undefined);
        let pending = Buffer.alloc(0);
        socket.on('data', (chunk: Buffer) => {
          pending = Buffer.concat([pending, chunk]);
          for (;;) {
            const space = pending.indexOf(0x20);
            if (space < 0) return;
            const length = Number(pending.subarray(0, space).toString('ascii'));
            if (pending.length < space + 1 + length) return;
            this.messages.push(pending.subarray(space + 1, space + 1 + length).toString('utf8'));
            pending = pending.subarray(space + 1 + length);
          }
        });
      },
    );
    server.on('tlsClientError', () => this.failedHandshakes++);
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Goes down: open connections are cut and the port refuses new ones until `start` again. */
  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server?.close(resolve));
    this.#server = undefined;
  }
}
