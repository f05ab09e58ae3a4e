export { COMPOUND_SURNAMES } from './compound-surnames.ts';
export { type CustomMaskRule } from './mask-custom.ts';
export { isMaskProfile, mask, MASK_PROFILES, type MaskOptions, type MaskProfile } from './mask.ts';
