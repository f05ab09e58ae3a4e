import { checkBirthDate } from './birth-date.ts';
import { isPlausibleAddressCode } from './division-codes.ts';
import { normalizeResidentId } from './normalize.ts';
import { residentIdCheckCharacter } from './resident-id-check.ts';
import { fail, requireString, type ValidateOptions, type Validation } from './result.ts';

export interface ResidentIdOptions extends ValidateOptions {
  /**
   * Refuse birth years before this one. No floor by default: GB 11643-1999's
   * own worked example (`440524188001010014`) is born in 1880.
   */
  minBirthYear?: number;
  /** "Today" for the not-in-the-future rule (tests pin it); default: now. */
  today?: Date;
}

export interface ResidentIdDetails {
  /** GB/T 2260 division code where the number was first issued. */
  addressCode: string;
  /** `YYYY-MM-DD`. */
  birthDate: string;
  /** From the parity of the sequence code (odd: male). */
  sex: 'male' | 'female';
}

const ALLOWED = /^[0-9Xx]*$/;
const SHAPE = /^[0-9]{17}[0-9Xx]$/;

/**
 * A PRC citizen identification number (GB 11643-1999): 18 characters, the
 * first 17 ASCII digits, the last a digit or `X`; a province-level address
 * code; a real birth date not in the future; the ISO 7064 MOD 11-2 check
 * character. Strict by default: a lower-case `x` fails with `case`, spaces
 * and full-width digits with `characters` (use `lenient` to accept them).
 * The 15-digit first-generation numbers are refused (`length`).
 */
export function validateResidentId(
  value: string,
  options: ResidentIdOptions = {},
): Validation<ResidentIdDetails> {
  requireString(value, 'a resident ID number');
  const id = options.lenient ? normalizeResidentId(value) : value;
  if (!ALLOWED.test(id)) return fail('characters', 'only digits and a final X may appear');
  if (id.length !== 18) return fail('length', 'must have 18 characters');
  if (!SHAPE.test(id)) return fail('characters', 'X may only be the last character');
  if (id.endsWith('x')) return fail('case', 'the check character X must be upper-case');
  if (residentIdCheckCharacter(id) !== id[17]) {
    return fail('check_character', 'the check character does not match (ISO 7064 MOD 11-2)');
  }
  const birth = id.slice(6, 14);
  const problem = checkBirthDate(birth, {
    today: options.today ?? new Date(),
    minYear: options.minBirthYear,
  });
  if (problem === 'not_a_date') return fail('birth_date', 'the birth date is not a real calendar date');
  if (problem === 'future') return fail('birth_date', 'the birth date is in the future');
  if (problem === 'too_early')
    return fail('birth_date', 'the birth date is before the earliest year allowed');
  if (!isPlausibleAddressCode(id)) {
    return fail('address_code', 'the address code does not start with a province-level division code');
  }
  return {
    valid: true,
    normalized: id,
    addressCode: id.slice(0, 6),
    birthDate: `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}`,
    sex: Number(id[16]) % 2 === 1 ? 'male' : 'female',
  };
}
