import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/audit/audit-sink.ts';
import { RefusalAudit } from '../src/audit/refusal-audit.ts';

describe('RefusalAudit', () => {
  function setup() {
    const events: AuditEvent[] = [];
    let now = 1_000_000;
    const refusals = new RefusalAudit(
      { write: async (event) => void events.push(event) },
      (err) => {
        throw err;
      },
      () => now,
    );
    const refuse = (address: string, reason = 'bad_token') =>
      refusals.report({
        action: 'csrf.refused',
        outcome: 'denied',
        reason,
        address,
        details: { path: '/x' },
      });
    return { events, refuse, later: (ms: number) => (now += ms) };
  }

  it('writes one event per source and reason a minute, and says how many it held back', () => {
    const { events, refuse, later } = setup();
    for (let i = 0; i < 5; i++) refuse('192.0.2.1');
    refuse('192.0.2.2');
    refuse('192.0.2.1', 'cross_site');
    expect(events.map((e) => [e.address, e.reason])).toEqual([
      ['192.0.2.1', 'bad_token'],
      ['192.0.2.2', 'bad_token'],
      ['192.0.2.1', 'cross_site'],
    ]);
    expect(events[0]!.details).toEqual({ path: '/x' });

    later(59_999);
    refuse('192.0.2.1');
    expect(events).toHaveLength(3);
    later(1);
    refuse('192.0.2.1');
    expect(events).toHaveLength(4);
    expect(events[3]!.details).toEqual({ path: '/x', held_back: 5 });
  });
});
