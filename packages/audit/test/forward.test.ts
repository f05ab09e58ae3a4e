import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createTestDatabase } from '@onegate/store/testing';
import {
  auditMigrations,
  AuditService,
  CheckpointKeys,
  Forwarder,
  formatSyslog,
  isAuditError,
  MerkleLog,
  parseEvent,
} from '../src/index.ts';

const event = parseEvent(
  {
    actor: { type: 'user', id: 'wang.clerk' },
    action: 'privacy.decrypt',
    outcome: 'denied',
    target: { subject: 'citizen-1' },
    purpose: 'audit',
    reason: 'quote " and ] and \\',
  },
  { at: Date.UTC(2026, 10, 27, 3), by: 'records-app' },
);

describe('SIEM forwarding', () => {
  it('writes RFC 5424: facility log audit, warning for a denial, the action as MSGID, structured data escaped', () => {
    const line = formatSyslog(event, 41, { hostname: 'og-1' });
    expect(line).toMatch(
      /^<108>1 2026-11-27T03:00:00\.000Z og-1 onegate - privacy\.decrypt \[onegate@32473 index="41" outcome="denied" actor="wang\.clerk" subject="citizen-1" client="records-app" purpose="audit"\] \uFEFF\{/,
    );
    expect(JSON.parse(line.slice(line.indexOf('\uFEFF') + 1))).toEqual(event);
    const ok = formatSyslog({ ...event, outcome: 'success', actor: { type: 'user', id: 'a"]b' } }, 1);
    expect(ok.startsWith('<110>1 ')).toBe(true);
    expect(ok).toContain('actor="a\\"\\]b"');
  });

  it('sends over TCP with octet counting, and keeps events queued while the SIEM is away', async () => {
    const received: Buffer[] = [];
    const server = createServer((socket) => socket.on('data', (d) => received.push(d)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const forwarder = new Forwarder({ target: `tcp://127.0.0.1:${port}` });
    forwarder.forward([
      { index: 1, event },
      { index: 2, event },
    ]);
    await forwarder.flush();
    await forwarder.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    server.close();
    const text = Buffer.concat(received).toString('utf8');
    const first = /^(\d+) /.exec(text)!;
    const length = Number(first[1]);
    const message = Buffer.from(text, 'utf8')
      .subarray(first[0].length, first[0].length + length)
      .toString('utf8');
    expect(message).toBe(formatSyslog(event, 1, { hostname: (await import('node:os')).hostname() }));
    expect(forwarder.sent).toBe(2);
  });

  it('delivers, without waiting for another append, what was queued while the SIEM was down', async () => {
    const frames: string[] = [];
    const sockets = new Set<import('node:net').Socket>();
    const listen = async (port = 0) => {
      const server = createServer((socket) => {
        sockets.add(socket);
        socket.on('data', (d) => frames.push(d.toString('utf8')));
      });
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      return server;
    };
    let server = await listen();
    const { port } = server.address() as AddressInfo;
    const errors: string[] = [];
    const forwarder = new Forwarder({
      target: `tcp://127.0.0.1:${port}`,
      retryDelayMs: 50,
      onError: (err) => errors.push((err as Error).message),
    });
    forwarder.forward([{ index: 1, event }]);
    await vi.waitFor(() => expect(frames.join('')).toContain('index="1"'));

    // The SIEM goes away; its connection ends, and the next sends are refused.
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    forwarder.forward([{ index: 2, event }]);
    await vi.waitFor(() =>
      expect(errors.at(-1)).toMatch(
        new RegExp(`^forwarding audit events to tcp://127\\.0\\.0\\.1:${port} failed: .*ECONNREFUSED`),
      ),
    );

    // It comes back; nothing more is appended, yet the held event arrives, once.
    server = await listen(port);
    await vi.waitFor(() => expect(frames.join('')).toContain('index="2"'));
    await forwarder.close();
    server.close();
    expect(frames.join('').match(/index="\d+"/g)).toEqual(['index="1"', 'index="2"']);
    expect([forwarder.sent, forwarder.dropped]).toEqual([2, 0]);
  });

  it('sends over UDP, one datagram per event, and appends JSON lines to a file', async () => {
    const udp = createSocket('udp4');
    const got: string[] = [];
    udp.on('message', (m) => got.push(m.toString('utf8')));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const forwarder = new Forwarder({ target: `udp://127.0.0.1:${udp.address().port}` });
    forwarder.forward([{ index: 7, event }]);
    await forwarder.close();
    for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    udp.close();
    expect(got).toHaveLength(1);
    expect(got[0]).toContain('index="7"');

    const file = join(mkdtempSync(join(tmpdir(), 'onegate-siem-')), 'audit.jsonl');
    const toFile = new Forwarder({ target: `file://${file}`, format: 'jsonl' });
    toFile.forward([{ index: 8, event }]);
    await toFile.close();
    expect(JSON.parse(readFileSync(file, 'utf8').trim())).toEqual({ index: 8, event });
  });

  it('copies a batch retried under its idempotency key to the SIEM once, as the log holds it once', async () => {
    const db = await createTestDatabase('sqlite');
    const store = await db.open();
    await store.migrate(auditMigrations);
    const file = join(mkdtempSync(join(tmpdir(), 'onegate-siem-')), 'audit.jsonl');
    const sealer = {
      seal: async (p: Buffer) => p.toString('base64'),
      open: async (s: string) => Buffer.from(s, 'base64'),
    };
    const audit = new AuditService({
      store,
      log: new MerkleLog(store),
      keys: new CheckpointKeys(store, sealer, 'siem.example/log'),
      origin: 'siem.example/log',
      forwarder: new Forwarder({ target: `file://${file}`, format: 'jsonl' }),
      checkpointIntervalMs: 0,
      pruneIntervalMs: 0,
    });
    try {
      await audit.start();
      const batch = [{ actor: { type: 'app', id: 'importer' }, action: 'import.row', outcome: 'success' }];
      const first = await audit.append(batch, { clientId: 'importer' }, { idempotencyKey: 'job-1' });
      const again = await audit.append(batch, { clientId: 'importer' }, { idempotencyKey: 'job-1' });
      expect(again).toEqual({ ...first, replayed: true });
    } finally {
      await audit.close();
      await store.close();
      await db.drop();
    }
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ index: 0, event: { action: 'import.row' } });
  });

  it('drops the oldest copies past its queue, counting them, rather than hold the log up', () => {
    // A port nobody listens on: every send fails and the queue only grows.
    const forwarder = new Forwarder({ target: 'tcp://127.0.0.1:9', maxQueue: 3 });
    forwarder.forward(Array.from({ length: 5 }, (_, i) => ({ index: i, event })));
    expect(forwarder.dropped).toBe(2);
  });

  it('refuses a target it cannot use', () => {
    for (const target of [
      'not a url',
      'http://siem.example/ingest',
      'tcp://siem.example',
      'tls://siem.example',
    ]) {
      expect(
        isAuditError(
          (() => {
            try {
              new Forwarder({ target });
            } catch (e) {
              return e;
            }
          })(),
          'ERR_AUDIT_INVALID',
        ),
      ).toBe(true);
    }
  });
});
