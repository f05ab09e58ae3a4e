import { isLuhnValid } from './luhn.ts';
import { normalizeBankCard } from './normalize.ts';
import { fail, requireString, type ValidateOptions, type Validation } from './result.ts';

export type CardNetwork = 'unionpay' | 'visa' | 'mastercard' | 'amex' | 'jcb' | 'unknown';

export interface BankCardDetails {
  /** Guessed from the leading digits; `unknown` is not a failure (domestic cards vary). */
  network: CardNetwork;
}

const WRITTEN = /^[0-9]+(?:[ -][0-9]+)*$/;

function networkOf(digits: string): CardNetwork {
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  if (two === 62) return 'unionpay';
  if (digits.startsWith('4')) return 'visa';
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'mastercard';
  if (two === 34 || two === 37) return 'amex';
  if (four >= 3528 && four <= 3589) return 'jcb';
  return 'unknown';
}

/**
 * A payment card number: 12–19 digits (ISO/IEC 7812) with a correct Luhn
 * check digit, optionally grouped by spaces or dashes (`6222 0212 3456 1234`).
 * Surrounding whitespace is ignored; `lenient` also accepts full-width digits.
 */
export function validateBankCard(value: string, options: ValidateOptions = {}): Validation<BankCardDetails> {
  requireString(value, 'a bank card number');
  const text = options.lenient ? normalizeBankCard(value) : value.trim();
  if (text === '') return fail('length', 'the value is empty');
  if (!WRITTEN.test(text)) return fail('characters', 'only digits, spaces and dashes may appear');
  const digits = text.replace(/[ -]/g, '');
  if (digits.length < 12 || digits.length > 19) return fail('length', 'a card number has 12 to 19 digits');
  if (!isLuhnValid(digits)) return fail('luhn', 'the Luhn check digit does not match');
  return { valid: true, normalized: digits, network: networkOf(digits) };
}
