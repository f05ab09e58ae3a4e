import { describe, expect, it } from 'vitest';
import { ReplayCache } from '../src/login/replay-cache.ts';
import { Revocations } from '../src/session/revocations.ts';

describe('revocations of cookie sessions', () => {
  it('ends sessions by sid, and by sub only those created before the logout', () => {
    const revocations = new Revocations({ keepMs: 60_000 });
    revocations.revokeSid('sid-1', 1_000);
    revocations.revokeSub('sub-2', 5_000, 1_000);
    expect(revocations.isRevoked({ sid: 'sid-1', sub: 'x', createdAt: 0 }, 2_000)).toBe(true);
    expect(revocations.isRevoked({ sid: 'sid-9', sub: 'x', createdAt: 0 }, 2_000)).toBe(false);
    expect(revocations.isRevoked({ sid: 'sid-9', sub: 'sub-2', createdAt: 4_999 }, 2_000)).toBe(true);
    expect(revocations.isRevoked({ sid: 'sid-9', sub: 'sub-2', createdAt: 5_000 }, 2_000)).toBe(false);
  });

  it('forgets entries after a session lifetime, and the oldest beyond its bound', () => {
    const revocations = new Revocations({ keepMs: 10_000, max: 2 });
    revocations.revokeSid('a', 0);
    expect(revocations.isRevoked({ sid: 'a', sub: 'x', createdAt: 0 }, 10_001)).toBe(false);
    revocations.revokeSid('b', 0);
    revocations.revokeSid('c', 0);
    revocations.revokeSid('d', 0);
    expect(revocations.isRevoked({ sid: 'b', sub: 'x', createdAt: 0 }, 1)).toBe(false);
    expect(revocations.isRevoked({ sid: 'd', sub: 'x', createdAt: 0 }, 1)).toBe(true);
  });
});

describe('logout token replay cache', () => {
  it('refuses a jti seen before, until it expires', () => {
    const cache = new ReplayCache();
    expect(cache.remember('j1', 1_000, 0)).toBe(true);
    expect(cache.remember('j1', 1_000, 500)).toBe(false);
    expect(cache.remember('j1', 3_000, 1_500)).toBe(true);
  });

  it('stays bounded, dropping the oldest first', () => {
    const cache = new ReplayCache(2);
    cache.remember('a', 10_000, 0);
    cache.remember('b', 10_000, 0);
    cache.remember('c', 10_000, 0);
    expect(cache.remember('c', 10_000, 1)).toBe(false);
    expect(cache.remember('a', 10_000, 1)).toBe(true);
  });
});
