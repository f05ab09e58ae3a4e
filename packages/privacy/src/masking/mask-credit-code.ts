import { fullMask, keepEnds } from './graphemes.ts';

const SHAPE = /^[0-9A-Za-z]{18}$/;

/**
 * `91350100M000100Y43` → `913501********0Y43`: authority, category and the
 * province/city part of the division code stay, like a resident ID's
 * address code; the organization code is hidden but its last three and the
 * check character stay, enough to tell two codes apart on a screen.
 */
export function maskCreditCode(value: string, maskChar: string): string {
  return SHAPE.test(value) ? keepEnds(value.split(''), 6, 4, maskChar) : fullMask(value, maskChar);
}
