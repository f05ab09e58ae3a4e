import { validateBankCard } from '../validators/bank-card.ts';
import { validateCreditCode } from '../validators/credit-code.ts';
import { validateEmail } from '../validators/email.ts';
import { validateMobile } from '../validators/mobile.ts';
import { validateResidentId } from '../validators/resident-id.ts';
import { CARD_MII } from './candidates.ts';
import type { DetectKind } from './findings.ts';

const FOUR_GROUPS_AND_TAIL = /^([0-9]{4}(?:[ -][0-9]{4}){3})[ -][0-9]{1,3}$/;

/**
 * A card written in groups of four may be followed by an unrelated short
 * number (`4111 1111 1111 1111 12 items`): if the whole fails, try the
 * sixteen digits without that tail.
 */
function acceptCard(candidate: string): number {
  if (!CARD_MII.test(candidate)) return 0;
  if (validateBankCard(candidate).valid) return candidate.length;
  const sixteen = FOUR_GROUPS_AND_TAIL.exec(candidate)?.[1];
  return sixteen !== undefined && validateBankCard(sixteen).valid ? sixteen.length : 0;
}

/**
 * How much of a candidate is personal data of that kind: its length, a
 * shorter prefix (cards only), or 0 when the validator refuses it. Resident
 * IDs are validated leniently so a lower-case `x` is still found.
 */
export function accept(kind: DetectKind, candidate: string): number {
  switch (kind) {
    case 'resident-id':
      return validateResidentId(candidate, { lenient: true }).valid ? candidate.length : 0;
    case 'credit-code':
      return validateCreditCode(candidate).valid ? candidate.length : 0;
    case 'mobile':
      return validateMobile(candidate).valid ? candidate.length : 0;
    case 'bank-card':
      return acceptCard(candidate);
    case 'email':
      return validateEmail(candidate).valid ? candidate.length : 0;
  }
}
