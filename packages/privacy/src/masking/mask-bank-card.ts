import { fullMask } from './graphemes.ts';

const CARD = /^[0-9]{12,19}$/;

/**
 * `6222021234561234` → `6222 **** **** 1234`: the first and last four digits
 * in a fixed four-group layout whatever the card's length (12 to 19 digits),
 * so the mask does not reveal the length either. Spaces and dashes in the
 * input are ignored; anything else is fully masked.
 */
export function maskBankCard(value: string, maskChar: string): string {
  const digits = value.trim().replace(/[ -]/g, '');
  if (!CARD.test(digits)) return fullMask(value, maskChar);
  const hidden = maskChar.repeat(4);
  return `${digits.slice(0, 4)} ${hidden} ${hidden} ${digits.slice(-4)}`;
}
