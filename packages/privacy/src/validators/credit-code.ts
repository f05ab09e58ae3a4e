import {
  CREDIT_CODE_ALPHABET,
  creditCodeCheckCharacter,
  isOrganizationCodeCheckOk,
} from './credit-code-check.ts';
import { normalizeCreditCode } from './normalize.ts';
import { fail, requireString, type ValidateOptions, type Validation } from './result.ts';

export interface CreditCodeDetails {
  /** Position 1: the registration authority (9 = market regulation, 1 = institution staffing …). */
  registrationAuthority: string;
  /** Position 2: the organization category. */
  category: string;
  /** Positions 3–8: the administrative division. */
  divisionCode: string;
  /** Positions 9–17: the GB 11714 organization code. */
  organizationCode: string;
  /**
   * Whether the organization code's own check character is right. Informative
   * only: some codes issued in practice fail it, so it does not decide validity.
   */
  organizationCodeCheckOk: boolean;
}

/**
 * A unified social credit code (GB 32100-2015): 18 characters of the
 * 31-symbol alphabet and the right check character. Structural rules beyond
 * that (assigned authority codes, digits in the division code) are not
 * enforced: codes breaking them exist in registers. Strict by default:
 * lower-case letters fail with `case` (use `lenient` to upper-case first).
 */
export function validateCreditCode(
  value: string,
  options: ValidateOptions = {},
): Validation<CreditCodeDetails> {
  requireString(value, 'a unified social credit code');
  const code = options.lenient ? normalizeCreditCode(value) : value;
  let lowerCase = false;
  for (const char of code) {
    if (CREDIT_CODE_ALPHABET.includes(char)) continue;
    const upper = char.toUpperCase();
    if (upper !== char && upper.length === 1 && CREDIT_CODE_ALPHABET.includes(upper)) {
      lowerCase = true;
      continue;
    }
    return fail('characters', 'only digits and the letters A–Y except I, O, S, V may appear');
  }
  if (code.length !== 18) return fail('length', 'must have 18 characters');
  if (lowerCase) return fail('case', 'letters must be upper-case');
  if (creditCodeCheckCharacter(code) !== code.charAt(17)) {
    return fail('check_character', 'the check character does not match (GB 32100)');
  }
  return {
    valid: true,
    normalized: code,
    registrationAuthority: code.charAt(0),
    category: code.charAt(1),
    divisionCode: code.slice(2, 8),
    organizationCode: code.slice(8, 17),
    organizationCodeCheckOk: isOrganizationCodeCheckOk(code.slice(8, 17)),
  };
}
