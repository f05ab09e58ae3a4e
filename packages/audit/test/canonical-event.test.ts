import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { canonicalEvent } from '../src/event/canonical-event.ts';
import type { AuditEvent } from '../src/event/event-schema.ts';
import { canonicalJson, isAuditError } from '../src/index.ts';

/** A small seeded generator: the same events on every run, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

// Escapes, quotes, line separators, astral and CJK characters, and names whose UTF-16 order differs
// from their code point order (the RFC's sort is by UTF-16 code units).
const SAMPLES = [
  'a',
  'Z',
  'é',
  '\u20ac',
  '"quoted"',
  'back\\slash',
  'line\nbreak',
  '\u2028',
  '😀',
  '张三',
  'ｶ',
  '\ufb33',
  '\u0000x',
];

function eventFrom(next: () => number): AuditEvent {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const maybe = <T>(value: T): T | undefined => (next() < 0.5 ? value : undefined);
  const word = () => `${pick(SAMPLES)}${pick(SAMPLES)}`;
  const json = (depth: number): unknown => {
    const kind = depth > 3 ? Math.floor(next() * 4) : Math.floor(next() * 6);
    if (kind === 0) return word();
    if (kind === 1) return pick([0, -0, 1, 4.5, 1e21, 1e-7, 333_333_333.333_333_3, -12]);
    if (kind === 2) return pick([true, false, null]);
    if (kind === 3) return [];
    if (kind === 4) return Array.from({ length: 1 + Math.floor(next() * 3) }, () => json(depth + 1));
    return Object.fromEntries(
      Array.from({ length: 1 + Math.floor(next() * 4) }, () => [word(), json(depth + 1)]),
    );
  };
  const event = {
    v: 1 as const,
    time: '2026-11-27T10:00:00.000Z',
    actor: { type: 'user' as const, id: word(), department: maybe('civil-affairs'), name: maybe(word()) },
    action: 'record.read',
    target: maybe({ resource: maybe(word()), subject: maybe(word()) }),
    outcome: pick(['success', 'failure', 'denied'] as const),
    reason: maybe(word()),
    source: maybe({ address: maybe('10.0.0.1'), userAgent: maybe(word()), clientId: maybe('app-1') }),
    purpose: maybe('case-handling'),
    requestId: maybe('req-1'),
    traceId: maybe('trace-1'),
    sessionId: maybe('sess-1'),
    details: maybe(
      Object.fromEntries([
        [word(), json(0)],
        [word(), json(0)],
      ]),
    ),
    encryptedDetails: maybe([word(), word()]),
    recorded: { at: '2026-11-27T10:00:00.001Z', by: 'records-app' },
  };
  return withoutUndefined(event) as AuditEvent;
}

/** As the schema gives them: absent members are absent, not `undefined`. */
function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .map(([key, inner]) => [key, withoutUndefined(inner)]),
  );
}

function outcome(serialize: () => Buffer): string {
  try {
    return serialize().toString('utf8');
  } catch (err) {
    return isAuditError(err, 'ERR_AUDIT_INVALID')
      ? `refused: ${(err as Error).message}`
      : `threw: ${String(err)}`;
  }
}

const base = eventFrom(random(1));

describe('canonicalEvent (the known-shape path for validated events)', () => {
  it('gives exactly the general canonical bytes, and the independent canonicalize package agrees, over 3,000 varied events', () => {
    const next = random(20261127);
    let withEveryMember = 0;
    for (let i = 0; i < 3000; i++) {
      const event = eventFrom(next);
      if (Object.keys(event).length === 15) withEveryMember++;
      const bytes = canonicalEvent(event);
      expect(bytes.equals(canonicalJson(event))).toBe(true);
      expect(bytes.toString('utf8')).toBe(canonicalize(event));
    }
    // Every member present at once happens too, so each member's place in the order is checked.
    expect(withEveryMember).toBeGreaterThan(0);
  });

  it('hands anything outside the known shape to the general path whole: kept, or refused just the same', () => {
    const odd: unknown[] = [
      { ...base, extra: 'kept, not dropped' },
      { ...base, actor: { ...base.actor, extra: 1 } },
      { ...base, reason: undefined },
      { ...base, actor: { ...base.actor, id: 'lone \ud800 surrogate' } },
      { ...base, details: { '10': 'array-index names', '2': 'come first in JSON.stringify', a: 1 } },
      { ...base, details: { when: new Date(0) } },
      { ...base, source: Object.assign(Object.create(null) as object, { address: '10.0.0.1' }) },
      { ...base, encryptedDetails: ['a', undefined] },
      { ...base, v: 2 },
      { ...base, [Symbol('hidden')]: 1 },
    ];
    for (const event of odd) {
      expect(outcome(() => canonicalEvent(event as AuditEvent))).toBe(outcome(() => canonicalJson(event)));
    }
    expect(canonicalEvent(odd[0] as AuditEvent).toString('utf8')).toContain('"extra":"kept, not dropped"');
    expect(outcome(() => canonicalEvent(odd[2] as AuditEvent))).toMatch(/^refused: /);
    expect(outcome(() => canonicalEvent(odd[3] as AuditEvent))).toMatch(/^refused: .*lone surrogate/);
    expect(canonicalEvent(odd[4] as AuditEvent).toString('utf8')).toContain(
      '"details":{"10":"array-index names","2":',
    );
  });
});
