import { describe, expect, it } from 'vitest';
import { IndexLimits } from '../src/service/index-limits.ts';
import { PrivacyError } from '../src/errors.ts';

describe('blind index limits', () => {
  it('takes a batch whole or not at all, per app and minute, reporting the first refusal only', () => {
    let now = 120_000;
    const limits = new IndexLimits(10, () => now);
    expect(limits.take('lookup', 8)).toBeUndefined();
    // 120 s is a minute's start: the whole minute is left.
    expect(limits.take('lookup', 3)).toMatchObject({ first: true, retryAfterSeconds: 60 });
    now += 45_500;
    expect(limits.take('lookup', 2)).toBeUndefined();
    expect(limits.take('lookup', 1)).toEqual({
      first: false,
      retryAfterSeconds: 15,
      message: 'this app may compute at most 10 blind indexes a minute',
    });
    expect(limits.take('intake', 10)).toBeUndefined();
    now += 14_500;
    expect(limits.take('lookup', 10)).toBeUndefined();
  });

  it('refuses a limit that would switch it off', () => {
    expect(() => new IndexLimits(0)).toThrow(PrivacyError);
  });
});
