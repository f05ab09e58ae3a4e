import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DecisionCache } from '../src/platform/decision-cache.ts';

describe('the decision cache', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers until its time to live is over, then forgets', () => {
    const cache = new DecisionCache<boolean>(5_000, 10);
    cache.set('read', false);
    vi.advanceTimersByTime(4_999);
    expect(cache.get('read')).toBe(false);
    vi.advanceTimersByTime(1);
    expect(cache.get('read')).toBeUndefined();
  });

  it('keeps at most its size, dropping the least recently used', () => {
    const cache = new DecisionCache<number>(60_000, 2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('keeps nothing with a time to live of 0', () => {
    const cache = new DecisionCache<number>(0, 10);
    cache.set('a', 1);
    expect(cache.get('a')).toBeUndefined();
  });
});
