import { validateBankCard } from './bank-card.ts';
import { validateCreditCode } from './credit-code.ts';
import { validateEmail } from './email.ts';
import { isPersonalDataKind, type PersonalDataKind } from './kinds.ts';
import { validateMobile } from './mobile.ts';
import { validateResidentId, type ResidentIdOptions } from './resident-id.ts';
import { PrivacyError } from '../errors.ts';
import type { Validation } from './result.ts';

/** What every kind's validation shares: the batch API answers with this. */
export type AnyValidation = Validation<object>;

/**
 * Validates a value of the given kind (the batch `validate` API). Throws
 * `ERR_PRIVACY_INVALID` for an unknown kind or a value that is not a string.
 * `minBirthYear` and `today` apply to resident IDs only.
 */
export function validate(
  kind: PersonalDataKind,
  value: string,
  options: ResidentIdOptions = {},
): AnyValidation {
  if (!isPersonalDataKind(kind))
    throw new PrivacyError('ERR_PRIVACY_INVALID', 'unknown kind of personal data');
  switch (kind) {
    case 'resident-id':
      return validateResidentId(value, options);
    case 'credit-code':
      return validateCreditCode(value, options);
    case 'mobile':
      return validateMobile(value, options);
    case 'bank-card':
      return validateBankCard(value, options);
    case 'email':
      return validateEmail(value, options);
  }
}
