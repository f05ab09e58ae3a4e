/** How a citizen may name their account on the login form. */
export type LoginIdentifier =
  { kind: 'username'; value: string } | { kind: 'email'; value: string } | { kind: 'phone'; value: string };

const USERNAME = /^[a-z0-9][a-z0-9._-]{2,63}$/;
const PHONE = /^\+?[0-9][0-9 -]{5,22}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

/**
 * One canonical spelling per identifier, so `+86 138-0013-8000` and
 * `13800138000` are the same account and `Li.Wei` matches `li.wei`.
 */
export function parseLoginIdentifier(input: string): LoginIdentifier | undefined {
  const text = input.normalize('NFKC').trim();
  if (text.includes('@')) {
    const email = text.toLowerCase();
    return EMAIL.test(email) ? { kind: 'email', value: email } : undefined;
  }
  if (PHONE.test(text)) return { kind: 'phone', value: normalizePhone(text) };
  const username = text.toLowerCase();
  return USERNAME.test(username) ? { kind: 'username', value: username } : undefined;
}

/** Mainland mobile numbers are stored without the +86 country code; others keep theirs. */
export function normalizePhone(input: string): string {
  const digits = input.replace(/[\s-]/g, '');
  const plain = digits.replace(/^\+/, '');
  if (/^861[3-9]\d{9}$/.test(plain)) return plain.slice(2);
  return digits;
}

export function isValidUsername(value: string): boolean {
  return USERNAME.test(value);
}
