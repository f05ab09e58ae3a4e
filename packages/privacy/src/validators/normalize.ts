import { PrivacyError } from '../errors.ts';
import { isPersonalDataKind, type PersonalDataKind } from './kinds.ts';

/*
 * Canonical forms for blind indexes: equal values must index alike however
 * they were typed. These only canonicalize, they don't validate (a malformed
 * stored value still gets an index, and the same malformed input finds it);
 * validate separately where the value must be well-formed.
 *
 * NFKC first everywhere: Chinese input methods often type full-width digits
 * and letters (`１３８…`, `＠`), which NFKC maps to ASCII.
 */

const SEPARATORS = /[\s\-().]/g;
const DASHES_AND_SPACES = /[\s-]/g;

/** Trimmed, full-width to ASCII, upper-case `X`: `11010519491231002x ` → `11010519491231002X`. */
export function normalizeResidentId(value: string): string {
  return value.normalize('NFKC').trim().toUpperCase();
}

/** Trimmed, full-width to ASCII, upper-case (GB 32100 writes capitals). */
export function normalizeCreditCode(value: string): string {
  return value.normalize('NFKC').trim().toUpperCase();
}

/**
 * Without separators (spaces, dashes, dots, parentheses) and without the
 * China country code: `+86 138-0013-8000`, `0086…`, `86…` → `13800138000`.
 * A bare `86` is taken as the country code only when 11 digits follow, so a
 * national number that happens to start with 86 is left alone. Other country
 * codes keep their `+`, so a foreign number never collides with a national one.
 */
export function normalizeMobile(value: string): string {
  const compact = value.normalize('NFKC').replace(SEPARATORS, '');
  if (compact.startsWith('+86')) return compact.slice(3);
  if (compact.startsWith('0086')) return compact.slice(4);
  if (compact.startsWith('86') && compact.length === 13) return compact.slice(2);
  return compact;
}

/** The digits without spaces or dashes: `6222 0212-3456 1234` → `6222021234561234`. Other characters stay. */
export function normalizeBankCard(value: string): string {
  return value.normalize('NFKC').replace(DASHES_AND_SPACES, '');
}

/**
 * Trimmed and lower-cased, local part included, and without a trailing dot
 * on the domain. RFC 5321 lets a server treat `Zhang@` and `zhang@` as two
 * mailboxes, but no mainstream provider does, and a citizen who types their
 * address with a capital must still find their account. Provider-specific
 * rules (dots and `+tags` at Gmail) are not applied: they are not universal.
 */
export function normalizeEmail(value: string): string {
  const text = value.normalize('NFKC').trim().toLowerCase();
  return text.endsWith('.') && text.includes('@') ? text.slice(0, -1) : text;
}

const NORMALIZERS: Readonly<Record<PersonalDataKind, (value: string) => string>> = {
  'resident-id': normalizeResidentId,
  'credit-code': normalizeCreditCode,
  mobile: normalizeMobile,
  'bank-card': normalizeBankCard,
  email: normalizeEmail,
};

/**
 * The canonical form of a value of one kind, for blind indexes and lookups.
 * Throws `ERR_PRIVACY_INVALID` for an unknown kind, a value that is not a
 * string, or one that normalizes to nothing (an empty index would match every
 * other empty value).
 */
export function normalize(kind: PersonalDataKind, value: string): string {
  return normalizerFor(kind)(value);
}

/** `normalize` bound to one kind: what a column's blind indexer takes. */
export function normalizerFor(kind: PersonalDataKind): (value: string) => string {
  if (!isPersonalDataKind(kind)) {
    throw new PrivacyError('ERR_PRIVACY_INVALID', 'unknown kind of personal data');
  }
  const canonical = NORMALIZERS[kind];
  return (value) => {
    if (typeof value !== 'string') {
      throw new PrivacyError('ERR_PRIVACY_INVALID', `a ${kind} value must be a string`);
    }
    const normalized = canonical(value);
    if (normalized.length === 0) {
      throw new PrivacyError('ERR_PRIVACY_INVALID', `the ${kind} value is empty`);
    }
    return normalized;
  };
}
