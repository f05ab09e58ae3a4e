import { describe, expect, it } from 'vitest';
import { remainingSeconds } from '../src/provider/lifetimes.ts';

const HOUR = 3600;

describe('session and refresh-token lifetimes (ASVS 7.3.1, 7.3.2, 10.4.8)', () => {
  it('gives a fresh session the idle timeout, not the absolute maximum', () => {
    expect(remainingSeconds(1000, 12 * HOUR, 30 * 60, 1000)).toBe(30 * 60);
  });

  it('never lets activity carry a session past the absolute maximum after sign-in', () => {
    const signedIn = 1_000_000;
    // Active every few minutes for almost 12 hours: only 10 minutes remain.
    expect(remainingSeconds(signedIn, 12 * HOUR, 30 * 60, signedIn + 12 * HOUR - 600)).toBe(600);
    expect(remainingSeconds(signedIn, 12 * HOUR, 30 * 60, signedIn + 13 * HOUR)).toBe(1);
  });

  it('ends a rotated refresh-token chain at the same moment as the first token would have', () => {
    const firstIssued = 5_000;
    expect(remainingSeconds(firstIssued, 7 * 24 * HOUR, undefined, firstIssued)).toBe(7 * 24 * HOUR);
    expect(remainingSeconds(firstIssued, 7 * 24 * HOUR, undefined, firstIssued + 6 * 24 * HOUR)).toBe(
      24 * HOUR,
    );
  });

  it('gives a token not yet issued the whole maximum', () => {
    expect(remainingSeconds(undefined, 7 * 24 * HOUR)).toBe(7 * 24 * HOUR);
  });
});
