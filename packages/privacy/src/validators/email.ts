import { normalizeEmail } from './normalize.ts';
import { fail, requireString, type ValidateOptions, type Validation } from './result.ts';

export interface EmailDetails {
  domain: string;
}

/** RFC 5322 dot-atom characters, plus any letter or digit (RFC 6531 internationalized addresses). */
const LOCAL_ATOM = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+$/u;
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const TOP_LABEL = /^(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/iu;

/**
 * An e-mail address in the form people write (`local@domain`, dot-atom local
 * part, no quoted strings or comments): local part up to 64 characters
 * without leading, trailing or double dots; a domain of at least two labels,
 * each 1–63 letters, digits or inner hyphens, ending in an alphabetic (or
 * `xn--`) top-level label; 254 characters at most. Surrounding whitespace is
 * ignored. `normalized` is `normalize('email', …)`: lower-cased throughout.
 */
export function validateEmail(value: string, options: ValidateOptions = {}): Validation<EmailDetails> {
  requireString(value, 'an e-mail address');
  const text = options.lenient ? normalizeEmail(value) : value.trim();
  if (text === '') return fail('length', 'the value is empty');
  if (text.length > 254) return fail('length', 'an e-mail address has at most 254 characters');
  const at = text.lastIndexOf('@');
  if (at < 0) return fail('format', 'an e-mail address needs an @');
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (local === '' || domain === '') return fail('format', 'both sides of the @ must be non-empty');
  if (local.length > 64) return fail('length', 'the part before the @ has at most 64 characters');
  const atoms = local.split('.');
  if (atoms.some((atom) => atom === ''))
    return fail('format', 'dots may not start, end or repeat in the local part');
  if (!atoms.every((atom) => LOCAL_ATOM.test(atom)))
    return fail('characters', 'the local part has a character not allowed');
  const labels = domain.split('.');
  if (labels.length < 2 || labels.some((label) => !LABEL.test(label))) {
    return fail('format', 'the domain must be labels of letters, digits and inner hyphens joined by dots');
  }
  if (!TOP_LABEL.test(labels.at(-1) ?? '')) return fail('format', 'the top-level domain must be alphabetic');
  return { valid: true, normalized: normalizeEmail(text), domain: domain.toLowerCase() };
}
