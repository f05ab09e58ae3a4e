import type { Account } from '../accounts/account.ts';
import type { LoginError } from '../pages/index.ts';

export interface SignInAttempt {
  login: string;
  password: string;
  address: string;
  clientId?: string | undefined;
}

export type SignInResult = { ok: true; account: Account } | { ok: false; error: LoginError };

/** Password sign-in with throttling and auditing behind it; the interaction routes only render. */
export interface Authenticator {
  signIn(attempt: SignInAttempt): Promise<SignInResult>;
}
