import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/platform/backoff.ts';

describe('the retry backoff', () => {
  it('doubles from the first delay, between half and all of it, and stops at the cap', () => {
    const low = (attempt: number) => backoffDelay(attempt, 500, 30_000, undefined, () => 0);
    const high = (attempt: number) => backoffDelay(attempt, 500, 30_000, undefined, () => 1);
    expect([0, 1, 2, 3].map(low)).toEqual([250, 500, 1_000, 2_000]);
    expect([0, 1, 2, 3].map(high)).toEqual([500, 1_000, 2_000, 4_000]);
    expect(high(10)).toBe(30_000);
    expect(low(1_000)).toBe(15_000);
  });

  it('waits at least Retry-After, but never past the cap', () => {
    expect(backoffDelay(0, 500, 30_000, 10_000, () => 0)).toBe(10_000);
    expect(backoffDelay(0, 500, 30_000, 3_600_000, () => 0)).toBe(30_000);
  });
});
