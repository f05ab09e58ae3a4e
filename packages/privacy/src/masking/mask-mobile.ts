import { validateMobile } from '../validators/mobile.ts';
import { fullMask } from './graphemes.ts';

/** Digits, separators and an optional leading `+`: the shape of any phone number. */
const PHONE = /^\+?[0-9][0-9 ()./-]*$/;

/** Masks the digits at the given positions (counted among digits only), leaving separators in place. */
function maskDigits(
  value: string,
  shouldMask: (digitIndex: number, digitCount: number) => boolean,
  maskChar: string,
) {
  const count = value.replace(/[^0-9]/g, '').length;
  let index = 0;
  let out = '';
  for (const char of value) {
    if (char >= '0' && char <= '9') {
      out += shouldMask(index, count) ? maskChar : char;
      index += 1;
    } else {
      out += char;
    }
  }
  return out;
}

/**
 * A mainland mobile keeps its first three and last four digits, in the
 * format it was written: `13800138000` → `138****8000`, `+86 138-0013-8000`
 * → `+86 138-****-8000`. Any other phone number keeps only its last four
 * digits (`+1 (415) 555-2671` → `+* (***) ***-2671`), or none when it has
 * fewer than eight. Text that is not a phone number is fully masked.
 */
export function maskMobile(value: string, maskChar: string): string {
  if (validateMobile(value).valid) {
    // The national number is the last 11 digits, after any 86/0086 prefix.
    return maskDigits(value, (i, n) => i >= n - 8 && i < n - 4, maskChar);
  }
  const trimmed = value.trim();
  if (trimmed !== '' && PHONE.test(trimmed)) {
    return maskDigits(value, (i, n) => n < 8 || i < n - 4, maskChar);
  }
  return fullMask(value, maskChar);
}
