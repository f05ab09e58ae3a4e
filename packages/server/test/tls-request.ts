import type { X509Certificate } from 'node:crypto';
import { request, type Agent } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { requestCertificate } from '@onegate/identity';
import type { Extend } from '../src/index.ts';

export interface HttpsAnswer {
  status: number;
  body: string;
  /** The TLS version the connection negotiated, e.g. `TLSv1.3`. */
  protocol: string | null;
  /** The certificate the server presented on this connection. */
  serverCertificate: X509Certificate | undefined;
  socket: TLSSocket;
}

/**
 * The certificate each connection got in its handshake: Node stops showing it
 * once a keep-alive socket has gone back to its agent.
 */
const handshakeCertificates = new WeakMap<TLSSocket, X509Certificate | undefined>();

/** One HTTPS GET that trusts `ca`, optionally with a client certificate and through a given agent. */
export function httpsGet(
  url: string,
  options: { ca: string; cert?: string; key?: string; headers?: Record<string, string>; agent?: Agent },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: options.ca,
        ...(options.cert ? { cert: options.cert, key: options.key } : {}),
        headers: options.headers ?? {},
        agent: options.agent ?? false,
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            protocol: socket.getProtocol(),
            serverCertificate: handshakeCertificates.get(socket) ?? socket.getPeerX509Certificate(),
            socket,
          }),
        );
      },
    );
    req.on('socket', (socket) => {
      const tls = socket as TLSSocket;
      if (!handshakeCertificates.has(tls)) {
        tls.once('secureConnect', () => handshakeCertificates.set(tls, tls.getPeerX509Certificate()));
      }
    });
    req.on('error', reject);
    req.end();
  });
}

/** What `/test/certificate` answers: the request's client certificate as the server saw it. */
export interface CertificateSeen {
  subject?: string;
  authorized?: boolean;
  problem?: string | null;
  via?: string;
  none?: true;
}

/** Adds `/test/certificate`, which echoes `requestCertificate(req)`. */
export const echoCertificate: Extend = (app) => {
  app.use(async (ctx, next) => {
    if (ctx.path !== '/test/certificate') {
      await next();
      return;
    }
    const seen = requestCertificate(ctx.req);
    ctx.body = seen
      ? {
          subject: seen.certificate.subject,
          authorized: seen.authorized,
          problem: seen.problem ?? null,
          via: seen.via,
        }
      : { none: true };
  });
};
