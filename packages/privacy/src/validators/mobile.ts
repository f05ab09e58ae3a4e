import { normalizeMobile } from './normalize.ts';
import { fail, requireString, type ValidateOptions, type Validation } from './result.ts';

export interface MobileDetails {
  /** `+86` and the 11 digits. */
  e164: string;
}

/** Digits in groups separated by single spaces or dashes, with an optional leading `+`. */
const WRITTEN = /^\+?[0-9]+(?:[ -][0-9]+)*$/;

/**
 * A mainland China mobile number: 11 digits starting 13–19, optionally
 * after `+86`, `0086` or `86`, with spaces or dashes between digit groups
 * (`+86 138-0013-8000`). Surrounding whitespace is ignored. `lenient` also
 * accepts full-width digits, dots and parentheses. `normalized` is the bare
 * 11 digits, as `normalize('mobile', …)` gives for a valid number.
 */
export function validateMobile(value: string, options: ValidateOptions = {}): Validation<MobileDetails> {
  requireString(value, 'a mobile number');
  const text = options.lenient ? normalizeMobile(value) : value.trim();
  if (text === '') return fail('length', 'the value is empty');
  if (!WRITTEN.test(text))
    return fail('characters', 'only digits, spaces, dashes and a leading + may appear');
  const digits = text.replace(/[ -]/g, '');
  let national: string;
  if (digits.startsWith('+')) {
    if (!digits.startsWith('+86')) return fail('prefix', 'only mainland China numbers (+86) are accepted');
    national = digits.slice(3);
  } else if (digits.startsWith('0086') && digits.length === 15) {
    national = digits.slice(4);
  } else if (digits.startsWith('86') && digits.length === 13) {
    national = digits.slice(2);
  } else {
    national = digits;
  }
  if (national.length !== 11) return fail('length', 'a mainland mobile number has 11 digits');
  if (!/^1[3-9]/.test(national)) return fail('prefix', 'a mainland mobile number starts with 13 to 19');
  return { valid: true, normalized: national, e164: `+86${national}` };
}
