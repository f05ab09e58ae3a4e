import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Provider from 'oidc-provider';
import type { Store } from '@onegate/store';
import { createTestDatabase, engines, type TestDatabase } from '@onegate/store/testing';
import type { AuditEvent, AuditSink } from '../src/audit/audit-sink.ts';
import { identityMigrations } from '../src/identity.ts';
import { BackchannelRetries } from '../src/provider/backchannel-retries.ts';

class RecordingAudit implements AuditSink {
  readonly events: AuditEvent[] = [];

  async write(event: AuditEvent): Promise<void> {
    this.events.push(event);
  }
}

interface Delivery {
  clientId: string;
  sub: string;
  sid: string;
}

/**
 * Stands in for oidc-provider: `Client.find` gives each registered client a
 * `backchannelLogout` that records the call, then succeeds or throws as the
 * test says.
 */
class FakeProvider {
  readonly deliveries: Delivery[] = [];
  /** Client ids whose app is down. */
  readonly failing = new Set<string>();
  /** Client ids no longer registered. */
  readonly unknown = new Set<string>();
  /** Held open while set, so that two instances overlap. */
  gate: Promise<void> | undefined;

  readonly Client = {
    find: async (clientId: string) => {
      if (this.unknown.has(clientId)) return undefined;
      return {
        backchannelLogout: async (sub: string, sid: string) => {
          this.deliveries.push({ clientId, sub, sid });
          await this.gate;
          // oidc-provider's words for an app that answered an error.
          if (this.failing.has(clientId))
            throw new Error('expected 200 OK from https://app.example/logout, got: 503 Service Unavailable');
        },
      };
    },
  };

  asProvider(): () => Provider {
    return () => this as unknown as Provider;
  }
}

interface RetryRow {
  client_id: string;
  account_id: string;
  attempts: number;
  next_at: number;
}

describe.each(engines)('back-channel logout retries on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let other: Store;
  let serial = 0;

  function clientId(): string {
    serial += 1;
    return `og_app_${serial}`;
  }

  async function rowsOf(client: string): Promise<RetryRow[]> {
    return store.query<RetryRow>(
      'SELECT client_id, account_id, attempts, next_at FROM backchannel_retries WHERE client_id = $1 ORDER BY id',
      [client],
    );
  }

  /** Fresh instances per test, on the shared database. */
  function setup(on: Store = store) {
    const provider = new FakeProvider();
    const audit = new RecordingAudit();
    const retries = new BackchannelRetries({ store: on, audit, provider: provider.asProvider() });
    return { provider, audit, retries };
  }

  beforeAll(async () => {
    db = await createTestDatabase(engine);
    store = await db.open();
    other = await db.open();
    for (const set of identityMigrations) await store.migrate(set);
  });
  afterAll(() => db?.drop());

  describe('when a logout is queued and the app is back up', () => {
    it('delivers it once due, audits the success and forgets the retry', async () => {
      const { provider, audit, retries } = setup();
      const app = clientId();
      await retries.enqueue(app, 'account-1', 'sid-1');
      // Taken after enqueuing, so the retry is due at now + 5000 at the latest.
      const now = Date.now();

      await retries.runDue(now + 4000);
      expect(provider.deliveries).toEqual([]);

      await retries.runDue(now + 5001);
      expect(provider.deliveries).toEqual([{ clientId: app, sub: 'account-1', sid: 'sid-1' }]);
      expect(audit.events).toEqual([
        {
          action: 'logout.backchannel',
          outcome: 'success',
          clientId: app,
          subject: 'account-1',
          sessionId: 'sid-1',
          details: { attempt: 2 },
        },
      ]);
      expect(await rowsOf(app)).toEqual([]);

      await retries.runDue(now + 24 * 3_600_000);
      expect(provider.deliveries).toHaveLength(1);
    });

    it('delivers a logout that has no session id with an empty sid', async () => {
      const { provider, audit, retries } = setup();
      const app = clientId();
      await retries.enqueue(app, 'account-2', undefined);
      const now = Date.now();
      await retries.runDue(now + 5001);
      expect(provider.deliveries).toEqual([{ clientId: app, sub: 'account-2', sid: '' }]);
      expect(audit.events).toEqual([expect.objectContaining({ outcome: 'success', sessionId: undefined })]);
    });
  });

  describe('when the app stays down', () => {
    it('retries with growing delays, then gives up, audits that, and forgets the retry', async () => {
      const { provider, audit, retries } = setup();
      const app = clientId();
      provider.failing.add(app);
      await retries.enqueue(app, 'account-3', 'sid-3');

      const delays: number[] = [];
      const delivered = () => provider.deliveries.filter((d) => d.clientId === app).length;
      let [row] = await rowsOf(app);
      let attempts = 0;
      while (row) {
        const due = row.next_at;
        // Not a moment early.
        await retries.runDue(due - 1);
        expect(delivered()).toBe(attempts);
        await retries.runDue(due);
        attempts += 1;
        expect(delivered()).toBe(attempts);
        [row] = await rowsOf(app);
        if (row) {
          expect(row.attempts).toBe(attempts + 1);
          delays.push(row.next_at - due);
        }
        expect(attempts).toBeLessThan(20);
      }

      expect(delays.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);

      const events = audit.events.filter((e) => e.clientId === app);
      expect(events).toHaveLength(attempts);
      expect(events.slice(0, -1).every((e) => e.outcome === 'failure' && e.reason === 'will_retry')).toBe(
        true,
      );
      expect(events.at(-1)).toMatchObject({
        action: 'logout.backchannel',
        outcome: 'failure',
        reason: 'gave_up',
        clientId: app,
        subject: 'account-3',
        sessionId: 'sid-3',
        details: { cause: 'http_503' },
      });
      expect(events.filter((e) => e.reason === 'gave_up')).toHaveLength(1);

      await retries.runDue(Date.now() + 365 * 24 * 3_600_000);
      expect(delivered()).toBe(attempts);
    });

    it('delivers on a later retry once the app is back', async () => {
      const { provider, audit, retries } = setup();
      const app = clientId();
      provider.failing.add(app);
      await retries.enqueue(app, 'account-4', 'sid-4');
      let [row] = await rowsOf(app);
      await retries.runDue(row!.next_at);
      [row] = await rowsOf(app);
      expect(row).toMatchObject({ attempts: 2 });

      provider.failing.delete(app);
      await retries.runDue(row!.next_at);
      expect(await rowsOf(app)).toEqual([]);
      expect(audit.events.map((e) => [e.outcome, e.reason])).toEqual([
        ['failure', 'will_retry'],
        ['success', undefined],
      ]);
      expect(audit.events.at(-1)).toMatchObject({ details: { attempt: 3 } });
    });

    it('treats a client that is no longer registered as a failed delivery', async () => {
      const { provider, audit, retries } = setup();
      const app = clientId();
      provider.unknown.add(app);
      await retries.enqueue(app, 'account-5', 'sid-5');
      const [row] = await rowsOf(app);
      await retries.runDue(row!.next_at);
      expect(audit.events).toEqual([
        expect.objectContaining({
          outcome: 'failure',
          reason: 'will_retry',
          details: expect.objectContaining({ cause: 'client no longer registered' }) as unknown,
        }),
      ]);
      expect(await rowsOf(app)).toEqual([expect.objectContaining({ attempts: 2 })]);
    });
  });

  describe('when two instances run due retries at the same time', () => {
    it('delivers each retry once', async () => {
      const first = setup(store);
      const second = setup(other);
      const apps = [clientId(), clientId(), clientId(), clientId()];
      for (const app of apps) await first.retries.enqueue(app, `account-of-${app}`, `sid-of-${app}`);
      const due = Math.max(...(await Promise.all(apps.map(rowsOf))).flat().map((row) => row.next_at));

      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      first.provider.gate = gate;
      second.provider.gate = gate;
      const running = Promise.all([first.retries.runDue(due), second.retries.runDue(due)]);
      setTimeout(open, 50);
      await running;

      const ours = (clientIds: Array<string | undefined>) =>
        clientIds.filter((c) => apps.includes(c!)).sort();
      const delivered = [...first.provider.deliveries, ...second.provider.deliveries].map((d) => d.clientId);
      expect(ours(delivered)).toEqual([...apps].sort());
      const successes = [...first.audit.events, ...second.audit.events].filter(
        (e) => e.outcome === 'success',
      );
      expect(ours(successes.map((e) => e.clientId))).toEqual([...apps].sort());
      for (const app of apps) expect(await rowsOf(app)).toEqual([]);
    });

    it('schedules a failed retry once, not once per instance', async () => {
      const first = setup(store);
      const second = setup(other);
      const app = clientId();
      first.provider.failing.add(app);
      second.provider.failing.add(app);
      await first.retries.enqueue(app, 'account-6', 'sid-6');
      const [row] = await rowsOf(app);
      await Promise.all([first.retries.runDue(row!.next_at), second.retries.runDue(row!.next_at)]);
      const deliveries = [...first.provider.deliveries, ...second.provider.deliveries];
      expect(deliveries.filter((d) => d.clientId === app)).toHaveLength(1);
      expect(await rowsOf(app)).toEqual([expect.objectContaining({ attempts: 2 })]);
    });
  });
});
