import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** A demo app listening on localhost. */
export interface RunningApp {
  url: string;
  stop(): Promise<void>;
}

/** Listens on the loopback interface only: the demo is for this machine. */
export async function listen(
  /** Koa's `app.callback()` (which handles its own promise) or an Express app. */
  handler: (req: IncomingMessage, res: ServerResponse) => unknown,
  port: number,
  onStop: () => Promise<void>,
): Promise<RunningApp> {
  const server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://localhost:${port}`,
    stop: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
      await onStop();
    },
  };
}
