import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { createPlatformClient, type PlatformClient, type PlatformOptions } from '@onegate/sdk';
import type { Platform } from '../e2e/support/platform.ts';

/** A service client registered at OneGate with `scopes`. */
export async function serviceClient(
  platform: Platform,
  name: string,
  scopes: string[],
): Promise<{ clientId: string; clientSecret: string }> {
  const { client, clientSecret } = await platform.server.identity.clients.add({ name, scopes });
  if (clientSecret === undefined) throw new Error('a service client has a secret');
  return { clientId: client.clientId, clientSecret };
}

/** A raw access token for a new client with `scopes`, as any HTTP client would get it. */
export async function bearer(platform: Platform, name: string, scopes: string[]): Promise<string> {
  const { clientId, clientSecret } = await serviceClient(platform, name, scopes);
  const config = await oidc.discovery(new URL(platform.issuer), clientId, clientSecret, undefined, {
    execute: [oidc.allowInsecureRequests],
  });
  return (await oidc.clientCredentialsGrant(config, { scope: scopes.join(' ') })).access_token;
}

export interface SeenRequest {
  url: string;
  authorization: string | undefined;
}

/**
 * A fetch that records every request the SDK makes, can send them through
 * another origin (a proxy), and can spoil the bearer token of the next
 * /api/v1 call once, as a revoked or rotated token would be.
 */
export function recordingFetch(platform: Platform, via?: () => string) {
  const seen: SeenRequest[] = [];
  let spoilNext = false;
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    const headers = new Headers(init?.headers);
    if (spoilNext && url.includes('/api/v1/')) {
      spoilNext = false;
      headers.set('authorization', 'Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c3BvaWx0');
    }
    seen.push({ url, authorization: headers.get('authorization') ?? undefined });
    const target = via === undefined ? url : url.replace(platform.issuer, via());
    return fetch(target, { ...init, headers });
  }) as typeof fetch;
  return {
    fetch: fetchFn,
    seen,
    /** Requests whose URL contains `part`. */
    count: (part: string) => seen.filter((r) => r.url.includes(part)).length,
    spoilNextToken: () => {
      spoilNext = true;
    },
  };
}

export function platformClient(
  platform: Platform,
  client: { clientId: string; clientSecret: string },
  options: Partial<PlatformOptions> = {},
): PlatformClient {
  return createPlatformClient({
    issuer: platform.issuer,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    allowInsecureHttp: true,
    ...options,
  });
}

/**
 * A TCP proxy in front of OneGate that can be taken down (listener closed,
 * every connection cut) and brought back on the same port, and that can cut
 * the connection of the next audit ingest just as OneGate's answer comes back
 * (after OneGate committed the append).
 */
export class FlakyProxy {
  readonly #target: number;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #port = 0;
  #loseNextIngestAnswer = false;
  /** Audit ingests (`POST /api/v1/audit/events`) seen on the wire. */
  ingests = 0;
  /** Answers to ingests that the proxy cut off. */
  lostAnswers = 0;

  constructor(targetPort: number) {
    this.#target = targetPort;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async up(): Promise<void> {
    if (this.#server) return;
    const server = createServer((client) => this.#pipe(client));
    await new Promise<void>((resolve) => server.listen(this.#port, '127.0.0.1', resolve));
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async down(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  loseNextIngestAnswer(): void {
    this.#loseNextIngestAnswer = true;
  }

  #pipe(client: Socket): void {
    const upstream = connect(this.#target, '127.0.0.1');
    this.#sockets.add(client).add(upstream);
    let cutAnswer = false;
    client.on('data', (chunk: Buffer) => {
      if (chunk.includes('POST /api/v1/audit/events ')) {
        this.ingests++;
        if (this.#loseNextIngestAnswer) {
          this.#loseNextIngestAnswer = false;
          cutAnswer = true;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (cutAnswer) {
        this.lostAnswers++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }
}

export interface ReadEvent {
  index: number;
  event: { action: string; requestId?: string; recorded: { by: string } } & Record<string, unknown>;
}

/** Every event `writerClientId` wrote, oldest first, read back through the API by an `audit:read` client. */
export async function readBack(
  platform: Platform,
  readerToken: string,
  writerClientId: string,
): Promise<ReadEvent[]> {
  const events: ReadEvent[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({
      clientId: writerClientId,
      action: 'record.read',
      limit: '1000',
      ...(cursor ? { cursor } : {}),
    });
    const res = await fetch(`${platform.issuer}/api/v1/audit/events?${query.toString()}`, {
      headers: { authorization: `Bearer ${readerToken}` },
    });
    if (res.status !== 200) throw new Error(`reading the log answered ${res.status}: ${await res.text()}`);
    const page = (await res.json()) as { events: ReadEvent[]; next_cursor?: string };
    events.push(...page.events);
    cursor = page.next_cursor;
  } while (cursor !== undefined);
  return events.reverse();
}
