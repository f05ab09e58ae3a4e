/*
 * GB 11643-1999 check character: ISO 7064 MOD 11-2 over the first 17 digits.
 * W_i = 2^(18-i) mod 11; check = (12 − S mod 11) mod 11, where 10 is written X.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The check character for 17 ASCII digits (the caller guarantees the shape). */
export function residentIdCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    sum += (first17.charCodeAt(i) - 48) * (WEIGHTS[i] ?? 0);
  }
  return CHECK[sum % 11] ?? '';
}
