import type { PersonalDataKind } from '../validators/kinds.ts';

/*
 * Candidate patterns, one per kind, each validated afterwards (detect-text.ts).
 * Built for linear time: no nested or overlapping quantifiers, and a
 * lookbehind so a match can only start where a token starts (an attempt at
 * any other position fails on its first step).
 *
 * Boundaries: a candidate may not start right after a digit (the tail of a
 * longer number is not an ID) nor end right before a letter or digit (a
 * number glued to letters is part of another token: the 17 digits before an
 * ID's `X` are not a card number). A label glued in front is allowed:
 * `ID11010519491231002X`, `tel13800138000`.
 */
export const CANDIDATES: Readonly<Record<PersonalDataKind, RegExp>> = {
  'resident-id': /(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])/g,
  // Upper-case only, as codes are written; alphanumeric boundaries on both sides.
  'credit-code': /(?<![0-9A-Za-z])[0-9A-Z]{18}(?![0-9A-Za-z])/g,
  // Optional +86 / 0086 / 86, then 11 digits, whole or as 3-4-4 groups.
  mobile: /(?<![0-9])(?:(?:\+|00)?86[ -]?)?1[3-9][0-9](?:[0-9]{8}|[ -][0-9]{4}[ -][0-9]{4})(?![0-9A-Za-z])/g,
  // 12–19 digits whole, in groups of four (4-4-4-4[-1..3]), as 4-6-5 (Amex) or 6-13 (UnionPay).
  'bank-card':
    /(?<![0-9])(?:[0-9]{12,19}|[0-9]{4}(?:[ -][0-9]{4}){3}(?:[ -][0-9]{1,3})?|[0-9]{4}[ -][0-9]{6}[ -][0-9]{4,5}|[0-9]{6}[ -][0-9]{6,13})(?![0-9A-Za-z])/g,
  // ASCII only, so the Chinese text around an address is never read as part of it.
  email: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g,
};

/**
 * Bank card candidates start with a banking or financial major industry
 * identifier (ISO/IEC 7812: 2–6, or 9 for domestic cards). This keeps
 * millisecond timestamps (1…) and similar counters out of the findings.
 */
export const CARD_MII = /^[2-69]/;
