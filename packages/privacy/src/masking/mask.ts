import { PrivacyError } from '../errors.ts';
import { graphemes } from './graphemes.ts';
import { maskAddress } from './mask-address.ts';
import { maskBankCard } from './mask-bank-card.ts';
import { maskCreditCode } from './mask-credit-code.ts';
import { maskCustom } from './mask-custom.ts';
import { maskEmail } from './mask-email.ts';
import { maskMobile } from './mask-mobile.ts';
import { maskName } from './mask-name.ts';
import { maskPlate } from './mask-plate.ts';
import { maskResidentId } from './mask-resident-id.ts';

/** Stable profile names: stored in column settings and sent to the `mask` API. */
export const MASK_PROFILES = [
  'resident-id',
  'mobile',
  'name',
  'bank-card',
  'address',
  'email',
  'credit-code',
  'plate',
  'custom',
] as const;

export type MaskProfile = (typeof MASK_PROFILES)[number];

export interface MaskOptions {
  /** One character (grapheme) to mask with; default `*`. */
  maskChar?: string;
  /** `custom` only: characters kept at the start. */
  keepFirst?: number;
  /** `custom` only: characters kept at the end. */
  keepLast?: number;
}

const PROFILES: Readonly<
  Record<Exclude<MaskProfile, 'custom'>, (value: string, maskChar: string) => string>
> = {
  'resident-id': maskResidentId,
  mobile: maskMobile,
  name: maskName,
  'bank-card': maskBankCard,
  address: maskAddress,
  email: maskEmail,
  'credit-code': maskCreditCode,
  plate: maskPlate,
};

export function isMaskProfile(profile: unknown): profile is MaskProfile {
  return typeof profile === 'string' && (MASK_PROFILES as readonly string[]).includes(profile);
}

function maskCharOf(options: MaskOptions): string {
  const maskChar = options.maskChar ?? '*';
  if (typeof maskChar !== 'string' || graphemes(maskChar).length !== 1 || /\s/.test(maskChar)) {
    throw new PrivacyError('ERR_PRIVACY_INVALID', 'maskChar must be one visible character');
  }
  return maskChar;
}

/**
 * The masked view of a value under a profile (see docs/privacy.md#masking-profiles).
 * Never returns the input unmasked: a value the profile cannot read is fully
 * masked (same length) or, for `address`, replaced by `******`. The empty
 * string stays empty. Throws `ERR_PRIVACY_INVALID` for an unknown profile, a
 * value that is not a string, a bad `maskChar`, `keepFirst`/`keepLast` given
 * to any profile but `custom`, or missing from it.
 */
export function mask(profile: MaskProfile, value: string, options: MaskOptions = {}): string {
  if (!isMaskProfile(profile)) throw new PrivacyError('ERR_PRIVACY_INVALID', 'unknown masking profile');
  if (typeof value !== 'string') throw new PrivacyError('ERR_PRIVACY_INVALID', 'only strings can be masked');
  const maskChar = maskCharOf(options);
  if (profile === 'custom') return maskCustom(value, options, maskChar);
  if (options.keepFirst !== undefined || options.keepLast !== undefined) {
    throw new PrivacyError('ERR_PRIVACY_INVALID', 'keepFirst and keepLast apply to the custom profile only');
  }
  return value === '' ? '' : PROFILES[profile](value, maskChar);
}
