import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An app's back-channel logout endpoint: records every logout token POSTed to it. */
export class LogoutReceiver {
  readonly tokens: string[] = [];
  /** Answer 503 to this many deliveries first, like an app that is briefly down. */
  failNext = 0;
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (this.failNext > 0) {
          this.failNext--;
          res.writeHead(503).end();
          return;
        }
        const token = new URLSearchParams(body).get('logout_token');
        if (token) this.tokens.push(token);
        res.writeHead(200, { 'cache-control': 'no-store' }).end();
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/backchannel-logout`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}
