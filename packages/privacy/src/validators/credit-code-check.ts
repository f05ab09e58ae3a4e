/*
 * GB 32100-2015: 31 symbols (no I, O, S, V, Z: they read like 1, 0, 5, U, 2),
 * value = index; W_i = 3^(i-1) mod 31; check = (31 − S mod 31) mod 31.
 */
export const CREDIT_CODE_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character for 17 symbols of the alphabet (the caller guarantees the shape). */
export function creditCodeCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    sum += CREDIT_CODE_ALPHABET.indexOf(first17.charAt(i)) * (WEIGHTS[i] ?? 0);
  }
  return CREDIT_CODE_ALPHABET.charAt((31 - (sum % 31)) % 31);
}

/*
 * GB 11714 organization code (positions 9–17 of a credit code): 8 characters
 * (0–9 = 0–9, A–Z = 10–35), weights 3 7 9 10 5 8 4 2, C9 = 11 − S mod 11,
 * where 10 is written X and 11 is written 0.
 */
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** Whether a 9-character organization code carries its own correct check character. */
export function isOrganizationCodeCheckOk(code: string): boolean {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const value = Number.parseInt(code.charAt(i), 36);
    if (Number.isNaN(value)) return false;
    sum += value * (ORG_WEIGHTS[i] ?? 0);
  }
  const check = 11 - (sum % 11);
  const expected = check === 10 ? 'X' : check === 11 ? '0' : String(check);
  return code.charAt(8) === expected;
}
