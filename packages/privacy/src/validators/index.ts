export { validateBankCard, type BankCardDetails, type CardNetwork } from './bank-card.ts';
export { creditCodeCheckCharacter, CREDIT_CODE_ALPHABET } from './credit-code-check.ts';
export { validateCreditCode, type CreditCodeDetails } from './credit-code.ts';
export { validateEmail, type EmailDetails } from './email.ts';
export { isPersonalDataKind, PERSONAL_DATA_KINDS, type PersonalDataKind } from './kinds.ts';
export { isLuhnValid } from './luhn.ts';
export { validateMobile, type MobileDetails } from './mobile.ts';
export {
  normalize,
  normalizeBankCard,
  normalizeCreditCode,
  normalizeEmail,
  normalizeMobile,
  normalizeResidentId,
  normalizerFor,
} from './normalize.ts';
export { residentIdCheckCharacter } from './resident-id-check.ts';
export { validateResidentId, type ResidentIdDetails, type ResidentIdOptions } from './resident-id.ts';
export type { ValidateOptions, Validation, ValidationFailure, ValidationReason } from './result.ts';
export { validate, type AnyValidation } from './validate.ts';
