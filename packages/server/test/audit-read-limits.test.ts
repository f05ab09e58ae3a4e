import { describe, expect, it } from 'vitest';
import { AuditReadLimits, type ExportSlot } from '../src/api/audit-read-limits.ts';

const MINUTE = 60_000;

describe('audit read limits', () => {
  it('counts search pages per app and minute, and audits only the first refusal of a minute', () => {
    let now = 10 * MINUTE + 15_000;
    const limits = new AuditReadLimits(
      { searchesPerMinute: 2, exportsPerMinute: 1, concurrentExports: 1 },
      () => now,
    );
    expect(limits.takeSearch('siem')).toBeUndefined();
    expect(limits.takeSearch('siem')).toBeUndefined();
    expect(limits.takeSearch('siem')).toEqual({
      limit: 'searches_per_minute',
      retryAfterSeconds: 45,
      first: true,
    });
    expect(limits.takeSearch('siem')).toMatchObject({ first: false });
    expect(limits.takeSearch('console-tool')).toBeUndefined();
    now += 45_000;
    expect(limits.takeSearch('siem')).toBeUndefined();
  });

  it('holds a concurrent export slot until it is released, once', () => {
    const limits = new AuditReadLimits({ searchesPerMinute: 1, exportsPerMinute: 10, concurrentExports: 2 });
    const first = limits.startExport('archive') as ExportSlot;
    const second = limits.startExport('archive') as ExportSlot;
    expect(limits.startExport('archive')).toMatchObject({ limit: 'concurrent_exports', first: true });
    expect('release' in limits.startExport('other')).toBe(true);
    first.release();
    first.release();
    expect('release' in limits.startExport('archive')).toBe(true);
    expect(limits.startExport('archive')).toMatchObject({ limit: 'concurrent_exports', first: false });
    second.release();
  });

  it('counts exports per minute, refused ones not taking a slot', () => {
    const limits = new AuditReadLimits(
      { searchesPerMinute: 1, exportsPerMinute: 1, concurrentExports: 5 },
      () => 0,
    );
    (limits.startExport('archive') as ExportSlot).release();
    expect(limits.startExport('archive')).toMatchObject({
      limit: 'exports_per_minute',
      retryAfterSeconds: 60,
    });
  });
});
