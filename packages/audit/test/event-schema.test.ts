import { describe, expect, it } from 'vitest';
import { csvField, csvHeader, csvRow, exportLine, isAuditError, parseEvent, toOcsf } from '../src/index.ts';

const recorded = { at: Date.UTC(2026, 10, 27, 3, 0, 0, 123), by: 'records-app' };
const minimal = { actor: { type: 'user', id: 'wang.clerk' }, action: 'record.read', outcome: 'success' };

function refusal(input: unknown): string {
  try {
    parseEvent(input, recorded, 'events[2]: ');
  } catch (err) {
    if (isAuditError(err, 'ERR_AUDIT_INVALID')) return err.message;
    throw err;
  }
  throw new Error('accepted');
}

describe('the audit event schema', () => {
  it('gives an event its version, its time, and who recorded it when', () => {
    expect(parseEvent(minimal, recorded)).toEqual({
      v: 1,
      time: '2026-11-27T03:00:00.123Z',
      ...minimal,
      recorded: { at: '2026-11-27T03:00:00.123Z', by: 'records-app' },
    });
    const withTime = parseEvent({ ...minimal, time: '2026-11-27T11:00:00+08:00' }, recorded);
    expect(withTime.time).toBe('2026-11-27T03:00:00.000Z');
  });

  it('takes every field of a full event', () => {
    const full = {
      v: 1,
      time: '2026-11-27T03:00:00.000Z',
      actor: { type: 'user', id: 'wang.clerk', department: 'civil-affairs-hz', name: '王' },
      action: 'privacy.decrypt',
      target: { resource: 'civil-affairs-hz/residents/r-1/id_number', subject: 'citizen-1' },
      outcome: 'denied',
      reason: 'no_matching_rule',
      source: { address: '2001:db8::1', userAgent: 'Mozilla/5.0', clientId: 'records-app' },
      purpose: 'benefit-eligibility',
      requestId: 'req-1',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      sessionId: 'sess-1',
      details: { page: 2, fields: ['id_number'] },
    };
    expect(parseEvent(full, recorded)).toMatchObject({ ...full, recorded: { by: 'records-app' } });
  });

  it('refuses unknown fields, missing ones, bad values and oversized details, naming the field and never the value', () => {
    expect(refusal({ ...minimal, subjct: 'x' })).toMatch(/^events\[2\]: /);
    expect(refusal({ actor: minimal.actor, action: 'x' })).toContain('outcome');
    expect(refusal({ ...minimal, outcome: 'maybe' })).toContain('outcome');
    expect(refusal({ ...minimal, actor: { type: 'robot', id: 'x' } })).toContain('actor.type');
    expect(refusal({ ...minimal, action: 'Read Record' })).toContain('action');
    expect(refusal({ ...minimal, time: 'yesterday' })).toContain('time');
    expect(refusal({ ...minimal, source: { address: '13800138000' } })).not.toContain('13800138000');
    expect(refusal({ ...minimal, reason: 'a\u0000b' })).toContain('reason');
    expect(refusal({ ...minimal, details: { blob: 'x'.repeat(17_000) } })).toContain('details');
    expect(refusal({ ...minimal, details: { a: 1 }, encryptedDetails: ['b'] })).toContain('encryptedDetails');
    expect(refusal('not an object')).toMatch(/^events\[2\]: /);
  });

  it('says which field and what it should be, in words a writer can act on', () => {
    expect(refusal({ ...minimal, subjct: 'x' })).toBe('events[2]: event: unknown field subjct');
    expect(refusal({ actor: minimal.actor, action: 'x' })).toBe('events[2]: outcome: required');
    expect(refusal({ ...minimal, actor: { type: 'robot', id: 'x' } })).toBe(
      'events[2]: actor.type: one of user, app, service',
    );
    expect(refusal({ ...minimal, action: 'Read Record' })).toBe(
      'events[2]: action: lower-case letters, digits and . _ - only',
    );
    expect(refusal({ ...minimal, actor: { type: 'user', id: 'wang clerk' } })).toBe(
      'events[2]: actor.id: printable ASCII without spaces',
    );
    expect(refusal({ ...minimal, source: { address: '13800138000' } })).toBe(
      'events[2]: source.address: an IPv4 or IPv6 address',
    );
    expect(refusal({ ...minimal, reason: 'a\u0000b' })).toBe(
      'events[2]: reason: text without control characters',
    );
    expect(refusal({ ...minimal, reason: 'r'.repeat(513) })).toBe(
      'events[2]: reason: at most 512 characters',
    );
    expect(refusal({ ...minimal, details: { ['k'.repeat(129)]: 1 } })).toBe(
      'events[2]: details: member names of at most 128 characters',
    );
    expect(refusal({ ...minimal, encryptedDetails: Array.from({ length: 65 }, () => 'a') })).toBe(
      'events[2]: encryptedDetails: at most 64 items',
    );
    expect(refusal({ ...minimal, v: 2 })).toBe('events[2]: v: must be 1');
    expect(refusal([minimal])).toBe('events[2]: event: must be object');
    // A field name that is not plainly a name is not echoed either.
    expect(refusal({ ...minimal, '<script>': 1 })).toBe('events[2]: event: unknown field');
  });

  it('takes times with their offset only, and real dates only', () => {
    for (const time of [
      '2026-11-27T11:00:00+08:00',
      '2026-11-27T03:00:00.123456Z',
      '2024-02-29T00:00:00-00:00',
    ]) {
      expect(() => parseEvent({ ...minimal, time }, recorded), time).not.toThrow();
    }
    for (const time of [
      '2026-11-27T11:00:00',
      '2026-11-27T11:00+08:00',
      '2026-11-27 11:00:00Z',
      '2026-02-29T00:00:00Z',
      '2026-11-27T24:00:00Z',
      '2026-11-27T11:00:00+0800',
    ]) {
      expect(refusal({ ...minimal, time }), time).toBe(
        'events[2]: time: an RFC 3339 date and time with offset',
      );
    }
  });

  it('stores a copy of what it checked: the writer changing its objects afterwards changes nothing', () => {
    const input = {
      ...minimal,
      actor: { type: 'user', id: 'wang.clerk', name: undefined },
      target: { subject: 'citizen-1' },
      encryptedDetails: ['card'],
      details: { card: 'og1:…' },
    };
    const event = parseEvent(input, recorded);
    input.actor.id = 'someone.else';
    input.target.subject = 'citizen-2';
    input.encryptedDetails.push('other');
    expect(event.actor).toEqual({ type: 'user', id: 'wang.clerk' });
    expect('name' in event.actor).toBe(false);
    expect(event.target).toEqual({ subject: 'citizen-1' });
    expect(event.encryptedDetails).toEqual(['card']);
  });
});

describe('exports', () => {
  const event = parseEvent(
    {
      ...minimal,
      reason: '=HYPERLINK("http://evil")',
      details: { note: 'a, "quoted"\nline' },
    },
    recorded,
  );

  it('writes CSV per RFC 4180 with formulas made inert', () => {
    expect(csvHeader().startsWith('index,time,actor_type,actor_id')).toBe(true);
    const row = csvRow(event, 7);
    expect(row.startsWith('7,2026-11-27T03:00:00.123Z,user,wang.clerk,,record.read,success,')).toBe(true);
    expect(row).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvField('-1')).toBe("'-1");
    expect(csvField(-1)).toBe('-1');
    expect(row.endsWith('\r\n')).toBe(true);
  });

  it('maps onto OCSF classes, keeping what OCSF has no field for', () => {
    const login = parseEvent({ ...minimal, action: 'login', outcome: 'failure' }, recorded);
    expect(toOcsf(login, 1)).toMatchObject({
      class_uid: 3002,
      activity_id: 1,
      type_uid: 300201,
      status_id: 2,
    });
    const decision = parseEvent({ ...minimal, action: 'authz.decision', purpose: 'audit' }, recorded);
    expect(toOcsf(decision, 2)).toMatchObject({ class_uid: 3003, unmapped: { purpose_of_use: 'audit' } });
    expect(JSON.parse(exportLine('ocsf', event, 3))).toMatchObject({
      class_uid: 6003,
      metadata: { uid: '3' },
    });
    expect(JSON.parse(exportLine('jsonl', event, 3))).toEqual({ index: 3, event });
  });
});
