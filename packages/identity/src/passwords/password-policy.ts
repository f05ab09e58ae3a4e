import { readFileSync } from 'node:fs';
import { IdentityError } from '../errors.ts';

/** OWASP ASVS 2.1.1 and 2.1.2: at least 12 characters, and at least 128 allowed. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/** Why a new password is refused; pages translate these, so they never change meaning. */
export type PasswordPolicyReason =
  'too_short' | 'too_long' | 'common' | 'contains_identifier' | 'context_words' | 'repetitive';

/** What the password must not contain: the account's own sign-in names. */
export interface PasswordIdentifiers {
  username?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
}

/** Below this, "contains" would refuse too much: a 2-letter username is in half of all phrases. */
const MIN_CONTAINED_IDENTIFIER = 4;
/** The last 8 digits identify a phone number with or without its country or trunk prefix. */
const PHONE_TAIL_DIGITS = 8;
const MIN_PHONE_DIGITS = 7;
/** A 12-character password of 3 distinct characters or fewer ("aaaa…", "abcabc…", "哈哈哈…") is a pattern. */
const MIN_DISTINCT_CHARACTERS = 4;
/** Longer input is refused before normalizing it, which would otherwise cost time on megabytes. */
const MAX_RAW_UTF16_LENGTH = PASSWORD_MAX_LENGTH * 8;

const COMMON_PASSWORDS_FILE = new URL('../../data/common-passwords.txt', import.meta.url);
let commonPasswords: ReadonlySet<string> | undefined;

/** The shipped list (see data/README.md), read on first use and kept. */
function loadCommonPasswords(): ReadonlySet<string> {
  commonPasswords ??= new Set(
    readFileSync(COMMON_PASSWORDS_FILE, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map(fold),
  );
  return commonPasswords;
}

/** True when the password, ignoring case and full-width forms, is on the common-password list. */
export function isCommonPassword(password: string): boolean {
  return loadCommonPasswords().has(fold(password));
}

/**
 * Checks a new password as NIST SP 800-63B-4 asks of password verifiers:
 * length, a blocklist of common passwords, context-specific words, and no
 * composition rules. Length counts Unicode code points after NFC, so any
 * script and spaces are fine.
 * Returns every reason that applies, or an empty list when it is acceptable.
 */
export function checkPasswordPolicy(
  password: string,
  identifiers: PasswordIdentifiers = {},
): PasswordPolicyReason[] {
  if (password.length > MAX_RAW_UTF16_LENGTH) return ['too_long'];
  const characters = [...password.normalize('NFC')];
  const reasons: PasswordPolicyReason[] = [];
  if (characters.length < PASSWORD_MIN_LENGTH) reasons.push('too_short');
  if (characters.length > PASSWORD_MAX_LENGTH) reasons.push('too_long');
  if (isCommonPassword(password)) reasons.push('common');
  if (containsIdentifier(password, identifiers)) reasons.push('contains_identifier');
  if (onlyContextWords(password)) reasons.push('context_words');
  if (new Set(characters).size < MIN_DISTINCT_CHARACTERS) reasons.push('repetitive');
  return reasons;
}

/** Throws `ERR_PASSWORD_POLICY` naming the reasons (never the password) unless the password is acceptable. */
export function assertPasswordPolicy(password: string, identifiers: PasswordIdentifiers = {}): void {
  const reasons = checkPasswordPolicy(password, identifiers);
  if (reasons.length > 0) {
    throw new IdentityError(
      'ERR_PASSWORD_POLICY',
      `the new password does not meet the password policy (${reasons.join(', ')})`,
    );
  }
}

const CONTEXT_WORDS_FILE = new URL('../../data/context-words.txt', import.meta.url);
let contextWords: readonly string[] | undefined;

/** The shipped context words, longest first so "socialsecurity" goes before "security" would. */
function loadContextWords(): readonly string[] {
  contextWords ??= readFileSync(CONTEXT_WORDS_FILE, 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((word) => letters(fold(word)))
    .filter((word) => word !== '')
    .sort((a, b) => b.length - a.length);
  return contextWords;
}

/**
 * True when, once digits, spaces and punctuation are set aside, the password is
 * made of context words with fewer than 4 other letters: "onegate2026onegate",
 * "Civil Affairs 123456". A sentence that merely mentions one passes.
 */
function onlyContextWords(password: string): boolean {
  let rest = letters(fold(password));
  if (rest === '') return false;
  let found = false;
  for (const word of loadContextWords()) {
    if (rest.includes(word)) {
      found = true;
      rest = rest.split(word).join('');
    }
  }
  return found && [...rest].length < MIN_CONTAINED_IDENTIFIER;
}

/** Letters of any script only: digits, spaces and punctuation removed. */
function letters(text: string): string {
  return text.replace(/[^\p{L}]/gu, '');
}

function containsIdentifier(password: string, identifiers: PasswordIdentifiers): boolean {
  const folded = fold(password);
  for (const name of nameNeedles(identifiers)) {
    if (folded === name || ([...name].length >= MIN_CONTAINED_IDENTIFIER && folded.includes(name))) {
      return true;
    }
  }
  const phoneDigits = identifiers.phone ? fold(identifiers.phone).replace(/\D/g, '') : '';
  if (phoneDigits.length >= MIN_PHONE_DIGITS) {
    // "138-0013-8000" and "(138) 0013 8000" in a password are the number too.
    return folded.replace(/[\s\-.()+/]/g, '').includes(phoneDigits.slice(-PHONE_TAIL_DIGITS));
  }
  return false;
}

/** The username, and the local part of the e-mail address (and of a username that is one). */
function nameNeedles(identifiers: PasswordIdentifiers): string[] {
  const username = identifiers.username ? fold(identifiers.username).trim() : '';
  const email = identifiers.email ? fold(identifiers.email).trim() : '';
  return [username, localPart(username), localPart(email) || email].filter((name) => name !== '');
}

function localPart(address: string): string {
  const at = address.lastIndexOf('@');
  return at > 0 ? address.slice(0, at) : '';
}

/** Case- and width-insensitive form for comparisons: "ＰＡＳＳ" and "pass" are the same word. */
function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}
