import { ServerError } from '../errors.ts';

const DAY_MS = 86_400_000;
/** Back-dating covers relying parties whose clocks run a little behind ours. */
const CLOCK_SKEW_MS = 5 * 60_000;
const MAX_DAYS = 3650;

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

/**
 * notBefore = the given date, or now minus 5 minutes; notAfter = `days` after the given date (or now).
 * Whole seconds, since certificates cannot hold less.
 */
export function validityPeriod(days: number, notBefore: Date | undefined, now = new Date()): Validity {
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new ServerError('ERR_CERT_INVALID', `days must be a whole number from 1 to ${MAX_DAYS}`);
  }
  if (notBefore && Number.isNaN(notBefore.getTime())) {
    throw new ServerError('ERR_CERT_INVALID', 'notBefore is not a valid date');
  }
  const start = notBefore ?? now;
  return {
    notBefore: wholeSeconds(notBefore ?? new Date(now.getTime() - CLOCK_SKEW_MS)),
    notAfter: wholeSeconds(new Date(start.getTime() + days * DAY_MS)),
  };
}

export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
