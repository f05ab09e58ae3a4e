import type { Account } from '../accounts/account.ts';
import type { LoginError } from '../pages/index.ts';

export interface SignInAttempt {
  login: string;
  password: string;
  address: string;
  clientId?: string | undefined;
}

/** `passwordChangeRequired`: the password was an operator's temporary one; the person chooses theirs before going on. */
export type SignInResult =
  { ok: true; account: Account; passwordChangeRequired: boolean } | { ok: false; error: LoginError };

/** Password sign-in with throttling and auditing behind it; the interaction routes only render. */
export interface Authenticator {
  signIn(attempt: SignInAttempt): Promise<SignInResult>;
}
