import { PrivacyError } from '../errors.ts';
import { graphemes, keepEnds } from './graphemes.ts';

export interface CustomMaskRule {
  /** Characters kept at the start. */
  keepFirst: number;
  /** Characters kept at the end. */
  keepLast: number;
}

function isCount(n: unknown): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 0;
}

/**
 * Keeps the first `keepFirst` and last `keepLast` characters and masks the
 * rest, one mask character per character. When the kept parts would cover
 * the whole value nothing is kept: a value too short to mask is fully masked.
 */
export function maskCustom(value: string, rule: Partial<CustomMaskRule>, maskChar: string): string {
  const { keepFirst, keepLast } = rule;
  if (!isCount(keepFirst) || !isCount(keepLast)) {
    throw new PrivacyError(
      'ERR_PRIVACY_INVALID',
      'the custom profile needs keepFirst and keepLast (integers ≥ 0)',
    );
  }
  return keepEnds(graphemes(value), keepFirst, keepLast, maskChar);
}
