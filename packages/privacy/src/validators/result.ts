import { PrivacyError } from '../errors.ts';

/**
 * Why a value was refused. Stable codes: API clients switch on them, so a
 * code is never renamed; the message is for people and may change.
 */
export type ValidationReason =
  /** Too short or too long. */
  | 'length'
  /** A character the format never uses, or one in a place it may not be. */
  | 'characters'
  /** Lower-case letters where the standard writes capitals (strict mode only). */
  | 'case'
  /** The check character does not match the rest. */
  | 'check_character'
  /** The birth date is not a real date, is in the future or before the configured floor. */
  | 'birth_date'
  /** The address code does not start with a province-level division code. */
  | 'address_code'
  /** Not a mainland mobile number: wrong country code or leading digits. */
  | 'prefix'
  /** The Luhn check digit does not match. */
  | 'luhn'
  /** The parts are there but put together wrongly (e-mail: no `@`, empty part, misplaced dot). */
  | 'format';

export interface ValidationFailure {
  valid: false;
  reason: ValidationReason;
  /** Readable, never echoes the value (it may be logged). */
  message: string;
}

/** A success carries the value in its canonical form plus what the kind reveals about it. */
export type Validation<Details extends object> =
  ({ valid: true; normalized: string } & Details) | ValidationFailure;

export interface ValidateOptions {
  /**
   * Put the value through `normalize` first (trim, full-width to ASCII,
   * upper-case …). Off by default: the strict result is what the standards
   * call valid. Detection validates leniently.
   */
  lenient?: boolean;
}

export function fail(reason: ValidationReason, message: string): ValidationFailure {
  return { valid: false, reason, message };
}

/** Validators take text only: anything else is a programming or API error, not an invalid value. */
export function requireString(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string') {
    throw new PrivacyError('ERR_PRIVACY_INVALID', `${what} must be a string`);
  }
}
