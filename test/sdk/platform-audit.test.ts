import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditEventInput, OneGateError, PlatformClient } from '@onegate/sdk';
import { startPlatform, type Platform } from '../e2e/support/platform.ts';
import {
  bearer,
  FlakyProxy,
  platformClient,
  readBack,
  recordingFetch,
  serviceClient,
} from './platform-harness.ts';

const event = (requestId: string, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
  actor: { type: 'user', id: 'wang.clerk', department: 'civil-affairs-hz' },
  action: 'record.read',
  target: { resource: 'civil-affairs-hz/residents/r-1001', subject: 'citizen-1001' },
  outcome: 'success',
  purpose: 'benefit-eligibility',
  requestId,
  ...extra,
});

describe('the SDK’s audit client against OneGate', () => {
  let platform: Platform;
  let proxy: FlakyProxy;
  let readerToken: string;
  const clients: PlatformClient[] = [];

  beforeAll(async () => {
    platform = await startPlatform('sqlite');
    proxy = new FlakyProxy(Number(new URL(platform.issuer).port));
    await proxy.up();
    readerToken = await bearer(platform, 'Audit officer', ['audit:read']);
  });
  afterEach(async () => {
    await proxy.up();
    await Promise.all(clients.splice(0).map((c) => c.close(5_000).catch(() => undefined)));
  });
  afterAll(async () => {
    await proxy?.down();
    await platform?.stop();
  });

  /** A writer whose every request goes through the proxy, retrying quickly. */
  async function writer(
    name: string,
    audit: NonNullable<Parameters<typeof platformClient>[2]>['audit'] = {},
  ) {
    const app = await serviceClient(platform, name, ['audit:write']);
    const errors: OneGateError[] = [];
    const client = platformClient(platform, app, {
      fetch: recordingFetch(platform, () => proxy.origin).fetch,
      audit: {
        batchSize: 7,
        initialBackoffMs: 20,
        maxBackoffMs: 200,
        onError: (error) => errors.push(error),
        ...audit,
      },
    });
    clients.push(client);
    return { client, clientId: app.clientId, errors };
  }

  it('keeps events while OneGate is unreachable and delivers them once it is back, in order, once each', async () => {
    const { client, clientId, errors } = await writer('Registry (outage)');
    client.audit.write(event('before-1'));
    await client.audit.flush();

    await proxy.down();
    const written = ['before-1'];
    for (let i = 0; i < 30; i++) {
      expect(client.audit.write(event(`during-${i}`))).toBe(true);
      written.push(`during-${i}`);
    }
    // Several delivery attempts fail while it is down; nothing is lost or thrown.
    await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(3), { timeout: 10_000 });
    expect(errors.every((e) => e.code === 'ERR_AUDIT_UNDELIVERED')).toBe(true);
    expect(client.audit.pending).toBe(30);
    for (let i = 30; i < 40; i++) {
      client.audit.write(event(`during-${i}`));
      written.push(`during-${i}`);
    }

    await proxy.up();
    await client.audit.flush();
    expect(client.audit.pending).toBe(0);
    const logged = await readBack(platform, readerToken, clientId);
    expect(logged.map((e) => e.event.requestId)).toEqual(written);
    expect(logged.map((e) => e.event.recorded.by)).toEqual(written.map(() => clientId));
    // Consecutive, ascending indexes: OneGate took them in the order they were written.
    const indexes = logged.map((e) => e.index);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
  });

  it('does not append twice when OneGate committed a batch but its answer was lost', async () => {
    const { client, clientId } = await writer('Registry (lost answer)');
    const ingestsBefore = proxy.ingests;
    proxy.loseNextIngestAnswer();
    const written = Array.from({ length: 5 }, (_, i) => `lost-${i}`);
    for (const id of written) client.audit.write(event(id));
    await client.audit.flush();
    expect(proxy.lostAnswers).toBeGreaterThanOrEqual(1);
    // The batch went twice: the first time committed with its answer cut off, then again under the same key.
    expect(proxy.ingests - ingestsBefore).toBeGreaterThanOrEqual(2);
    const logged = await readBack(platform, readerToken, clientId);
    expect(logged.map((e) => e.event.requestId)).toEqual(written);
  });

  it('refuses new events once its queue is full and says so; the older ones are delivered', async () => {
    const dropped: string[] = [];
    const { client, clientId } = await writer('Registry (full queue)', {
      maxQueue: 5,
      onDrop: (e, reason) => dropped.push(`${e.requestId}:${reason}`),
    });
    await proxy.down();
    const accepted = Array.from({ length: 8 }, (_, i) => client.audit.write(event(`q-${i}`)));
    expect(accepted).toEqual([true, true, true, true, true, false, false, false]);
    expect(client.audit.dropped).toBe(3);
    expect(dropped).toEqual(['q-5:queue_full', 'q-6:queue_full', 'q-7:queue_full']);
    await proxy.up();
    await client.audit.flush();
    const logged = await readBack(platform, readerToken, clientId);
    expect(logged.map((e) => e.event.requestId)).toEqual(['q-0', 'q-1', 'q-2', 'q-3', 'q-4']);
  });

  it('takes off the one event OneGate refuses and delivers the rest in order', async () => {
    const rejected: string[] = [];
    const { client, clientId } = await writer('Registry (poison)', {
      onError: (error, e) => {
        if (e) rejected.push(`${e.requestId}:${error.code}`);
      },
    });
    const written: string[] = [];
    for (let i = 0; i < 20; i++) {
      // Well-formed for the SDK, refused by OneGate: the source address is not an IP address.
      const bad = i === 11;
      client.audit.write(event(`p-${i}`, bad ? { source: { address: 'not-an-address' } } : {}));
      if (!bad) written.push(`p-${i}`);
    }
    await client.audit.flush();
    expect(rejected).toEqual(['p-11:ERR_AUDIT_REJECTED']);
    expect(client.audit.rejected).toBe(1);
    const logged = await readBack(platform, readerToken, clientId);
    expect(logged.map((e) => e.event.requestId)).toEqual(written);
  });

  it('refuses a malformed event at once, before anything is sent', async () => {
    const { client } = await writer('Registry (malformed)');
    expect(() =>
      client.audit.write({ ...event('x'), outcome: 'maybe' } as unknown as AuditEventInput),
    ).toThrow(expect.objectContaining({ code: 'ERR_AUDIT_INVALID' }) as Error);
    expect(client.audit.pending).toBe(0);
  });

  it('reports a flush that OneGate does not answer in time, and close hands the rest to onDrop', async () => {
    const dropped: string[] = [];
    const { client } = await writer('Registry (shutdown during outage)', {
      onDrop: (e, reason) => dropped.push(`${e.requestId}:${reason}`),
    });
    await proxy.down();
    client.audit.write(event('late'));
    await expect(client.audit.flush(300)).rejects.toMatchObject({ code: 'ERR_AUDIT_FLUSH_TIMEOUT' });
    await expect(client.close(300)).rejects.toMatchObject({ code: 'ERR_AUDIT_FLUSH_TIMEOUT' });
    expect(dropped).toEqual(['late:closed']);
    expect(client.audit.write(event('after-close'))).toBe(false);
  });
});
