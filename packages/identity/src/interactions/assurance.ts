import type { Account } from '../accounts/account.ts';
import { ACR, type AcrValue } from '../provider/acr.ts';

/** How a sign-in was made, in RFC 8176 method references. */
export type SignInMethod = 'password' | 'password+totp' | 'password+recovery-code' | 'passkey';

const AMR: Record<Exclude<SignInMethod, 'passkey'>, string[]> = {
  password: ['pwd'],
  'password+totp': ['pwd', 'otp', 'mfa'],
  // A recovery code is a one-time code the citizen holds: the same assurance as the authenticator app.
  'password+recovery-code': ['pwd', 'otp', 'mfa'],
};

/**
 * `low` for a password alone; `substantial` with a second factor; `high` when
 * the sign-in is substantial and the account's identity was verified in person.
 */
export function assuranceOf(
  account: Account,
  method: SignInMethod,
  /** A passkey's own references: `hwk` or `swk` per the authenticator, and `user` (verification required). */
  passkeyAmr: string[] = ['hwk', 'user'],
): { acr: AcrValue; amr: string[] } {
  if (method === 'password') return { acr: ACR.low, amr: AMR[method] };
  return {
    acr: account.identityAssurance === 'verified_in_person' ? ACR.high : ACR.substantial,
    amr: method === 'passkey' ? passkeyAmr : AMR[method],
  };
}
