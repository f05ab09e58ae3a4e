import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OneGateError } from '../src/errors.ts';
import type { AuditEventInput } from '../src/platform/audit-event.ts';
import { AuditQueue, type Delivery, type AuditQueueSettings } from '../src/platform/audit-queue.ts';

const event = (id: string): AuditEventInput => ({
  actor: { type: 'app', id: 'registry' },
  action: 'record.read',
  outcome: 'success',
  requestId: id,
});

const ids = (lines: readonly string[]) =>
  lines.map((line) => (JSON.parse(line) as { requestId: string }).requestId);

const outage = (): Delivery => ({
  outcome: 'retry',
  error: new OneGateError('ERR_API_UNAVAILABLE', 'OneGate could not be reached'),
});

interface Call {
  ids: string[];
  key: string;
}

/** A OneGate stand-in: `answer` decides per call; every call is recorded. */
function harness(answer: (call: Call) => Delivery, settings: Partial<AuditQueueSettings> = {}) {
  const calls: Call[] = [];
  const delivered: string[] = [];
  const queue = new AuditQueue(
    {
      maxQueue: 10_000,
      batchSize: 500,
      batchDelayMs: 50,
      initialBackoffMs: 100,
      maxBackoffMs: 1_000,
      flushTimeoutMs: 60_000,
      random: () => 0.5,
      ...settings,
    },
    async (lines, key) => {
      const call = { ids: ids(lines), key };
      calls.push(call);
      const result = answer(call);
      if (result.outcome === 'delivered') delivered.push(...call.ids);
      return result;
    },
  );
  return { queue, calls, delivered };
}

describe('the audit queue', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends events in order, in batches of at most batchSize, and flush waits for all of them', async () => {
    const { queue, calls, delivered } = harness(() => ({ outcome: 'delivered' }));
    const written = Array.from({ length: 1200 }, (_, i) => `e${i}`);
    for (const id of written) expect(queue.write(event(id))).toBe(true);
    expect(queue.pending).toBe(1200);
    const flushed = queue.flush();
    await vi.runAllTimersAsync();
    await flushed;
    expect(calls.map((c) => c.ids.length)).toEqual([500, 500, 200]);
    expect(delivered).toEqual(written);
    expect(queue.pending).toBe(0);
  });

  it('retries the very same batch under the same key while OneGate is down, then delivers everything', async () => {
    let down = true;
    const { queue, calls, delivered } = harness(() => (down ? outage() : { outcome: 'delivered' }));
    queue.write(event('a'));
    queue.write(event('b'));
    await vi.advanceTimersByTimeAsync(50);
    expect(calls).toHaveLength(1);
    // Written during the outage: they must not join the batch already sent, or its key would change.
    queue.write(event('c'));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls.length).toBeGreaterThan(2);
    for (const call of calls) expect(call).toEqual(calls[0]);
    expect(queue.pending).toBe(3);

    down = false;
    const flushed = queue.flush();
    await vi.runAllTimersAsync();
    await flushed;
    expect(delivered).toEqual(['a', 'b', 'c']);
    expect(calls.at(-2)).toEqual(calls[0]);
    expect(calls.at(-1)!.ids).toEqual(['c']);
  });

  it('waits longer after each failure, never longer than maxBackoffMs', async () => {
    const { queue, calls } = harness(outage, { initialBackoffMs: 100, maxBackoffMs: 1_000 });
    queue.write(event('a'));
    await vi.advanceTimersByTimeAsync(50);
    const gaps: number[] = [];
    for (let i = 0; i < 8; i++) {
      const before = calls.length;
      const start = Date.now();
      while (calls.length === before) await vi.advanceTimersByTimeAsync(1);
      gaps.push(Date.now() - start);
    }
    // random() = 0.5: three quarters of 100, 200, 400, 800, then the cap.
    expect(gaps).toEqual([75, 150, 300, 600, 750, 750, 750, 750]);
  });

  it('waits at least what Retry-After says, up to the cap', async () => {
    let first = true;
    const { queue, calls } = harness(() => {
      if (!first) return { outcome: 'delivered' };
      first = false;
      return { ...outage(), retryAfterMs: 900 } as Delivery;
    });
    queue.write(event('a'));
    await vi.advanceTimersByTimeAsync(50);
    await vi.advanceTimersByTimeAsync(899);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
  });

  it('finds the one event OneGate refuses, reports it and delivers the others in order', async () => {
    const onError = vi.fn();
    const { queue, delivered } = harness(
      (call) =>
        call.ids.includes('e37')
          ? {
              outcome: 'refused',
              error: new OneGateError('ERR_API_INVALID', 'OneGate answered 400 audit_invalid'),
            }
          : { outcome: 'delivered' },
      { onError },
    );
    const written = Array.from({ length: 100 }, (_, i) => `e${i}`);
    for (const id of written) queue.write(event(id));
    const flushed = queue.flush();
    await vi.runAllTimersAsync();
    await flushed;
    expect(delivered).toEqual(written.filter((id) => id !== 'e37'));
    expect(queue.rejected).toBe(1);
    expect(onError).toHaveBeenCalledTimes(1);
    const [error, bad] = onError.mock.calls[0] as [OneGateError, AuditEventInput];
    expect(error.code).toBe('ERR_AUDIT_REJECTED');
    expect(bad.requestId).toBe('e37');
  });

  it('refuses new events when full, counting them and handing them to onDrop; older ones are kept', async () => {
    const onDrop = vi.fn();
    const { queue, delivered } = harness(outage, { maxQueue: 3, onDrop });
    for (const id of ['a', 'b', 'c']) expect(queue.write(event(id))).toBe(true);
    expect(queue.write(event('d'))).toBe(false);
    expect(queue.write(event('e'))).toBe(false);
    expect(queue.dropped).toBe(2);
    expect(queue.pending).toBe(3);
    expect(
      onDrop.mock.calls.map(([e, reason]) => [(e as AuditEventInput).requestId, reason as string]),
    ).toEqual([
      ['d', 'queue_full'],
      ['e', 'queue_full'],
    ]);
    expect(delivered).toEqual([]);
  });

  it('throws at once on a malformed event and queues nothing', () => {
    const { queue } = harness(() => ({ outcome: 'delivered' }));
    const bad = [
      { ...event('x'), outcome: 'ok' },
      { ...event('x'), actor: { type: 'service', id: 'x' } },
      { ...event('x'), action: 'login.success' },
      { ...event('x'), actor: { type: 'user', id: 'has space' } },
      { ...event('x'), subject: 'misspelt field' },
      { actor: { type: 'app', id: 'x' }, outcome: 'success' },
    ];
    for (const e of bad) {
      expect(() => queue.write(e as AuditEventInput)).toThrow(
        expect.objectContaining({ code: 'ERR_AUDIT_INVALID' }) as Error,
      );
    }
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => queue.write({ ...event('x'), details: cyclic })).toThrow(OneGateError);
    expect(queue.pending).toBe(0);
  });

  it('names fields, never values, when refusing an event', () => {
    const { queue } = harness(() => ({ outcome: 'delivered' }));
    expect(() =>
      queue.write({ ...event('x'), actor: { type: 'user', id: '11010519491231002X 13800138000' } }),
    ).toThrow(/^actor\.id is 1 to 128 printable ASCII characters without spaces$/);
  });

  it('fixes the event when written: a later change to the caller’s object is not sent', async () => {
    const { queue, calls } = harness(() => ({ outcome: 'delivered' }));
    const e = event('before');
    queue.write(e);
    e.requestId = 'after';
    const flushed = queue.flush();
    await vi.runAllTimersAsync();
    await flushed;
    expect(calls[0]!.ids).toEqual(['before']);
  });

  it('rejects flush after its timeout while OneGate is down, keeping the events', async () => {
    const { queue } = harness(outage);
    queue.write(event('a'));
    const flushed = queue.flush(2_000);
    const outcome = expect(flushed).rejects.toMatchObject({ code: 'ERR_AUDIT_FLUSH_TIMEOUT' });
    await vi.advanceTimersByTimeAsync(2_000);
    await outcome;
    expect(queue.pending).toBe(1);
  });

  it('on close, hands what OneGate never took to onDrop and refuses later writes', async () => {
    const onDrop = vi.fn();
    const { queue } = harness(outage, { onDrop });
    queue.write(event('a'));
    const closed = expect(queue.close(1_000)).rejects.toMatchObject({ code: 'ERR_AUDIT_FLUSH_TIMEOUT' });
    await vi.advanceTimersByTimeAsync(1_000);
    await closed;
    expect(queue.write(event('b'))).toBe(false);
    expect(
      onDrop.mock.calls.map(([e, reason]) => [(e as AuditEventInput).requestId, reason as string]),
    ).toEqual([
      ['a', 'closed'],
      ['b', 'closed'],
    ]);
    expect(queue.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('closes without waiting when everything was delivered, leaving no timer behind', async () => {
    const { queue, delivered } = harness(() => ({ outcome: 'delivered' }));
    queue.write(event('a'));
    const closed = queue.close();
    await vi.runAllTimersAsync();
    await closed;
    expect(delivered).toEqual(['a']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
