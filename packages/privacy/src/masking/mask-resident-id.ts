import { fullMask, keepEnds } from './graphemes.ts';

const ID18 = /^[0-9]{17}[0-9Xx]$/;
const ID15 = /^[0-9]{15}$/;

/**
 * `11010519491231002X` → `110105********002X`: the address code and the last
 * four stay, the birth date goes. A first-generation 15-digit number keeps
 * the address code and its 3-digit sequence code. Anything else is fully masked.
 */
export function maskResidentId(value: string, maskChar: string): string {
  if (ID18.test(value)) return keepEnds(value.split(''), 6, 4, maskChar);
  if (ID15.test(value)) return keepEnds(value.split(''), 6, 3, maskChar);
  return fullMask(value, maskChar);
}
