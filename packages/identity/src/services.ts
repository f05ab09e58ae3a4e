import type { KeyObject } from 'node:crypto';
import type { Store } from '@onegate/store';
import { AccountService } from './accounts/account-service.ts';
import type { AuditSink } from './audit/audit-sink.ts';
import { ClientRegistry } from './clients/client-registry.ts';
import { deriveKey } from './keys/master-key.ts';
import { SigningKeys } from './keys/signing-keys.ts';
import { RecoveryCodes } from './second-factors/recovery-codes.ts';
import { TotpFactors } from './second-factors/totp-enrolment.ts';
import { Passkeys } from './second-factors/passkeys.ts';
import { LoginThrottle } from './passwords/login-throttle.ts';
import { PasswordHasher, type PasswordHashParams } from './passwords/password-hasher.ts';

export interface IdentityServices {
  accounts: AccountService;
  clients: ClientRegistry;
  keys: SigningKeys;
  totp: TotpFactors;
  recoveryCodes: RecoveryCodes;
  passkeys: Passkeys;
}

/**
 * Accounts, clients and signing keys without the OIDC provider: what the
 * `onegate` CLI needs to administer a database the server may be using at
 * the same moment.
 */
export function identityServices(options: {
  store: Store;
  audit: AuditSink;
  masterKey: KeyObject;
  passwordHash: PasswordHashParams;
  development: boolean;
  /** The issuer: the passkey relying party is its host name, and its origin the only accepted one. */
  issuer?: string;
}): IdentityServices {
  const issuer = new URL(options.issuer ?? 'http://localhost:8080');
  const { store, audit, masterKey } = options;
  return {
    keys: new SigningKeys({ store, masterKey }),
    totp: new TotpFactors({ store, masterKey }),
    recoveryCodes: new RecoveryCodes({ store, pepper: deriveKey(masterKey, 'recovery-codes') }),
    passkeys: new Passkeys({ store, rpId: issuer.hostname, rpName: 'OneGate', origin: issuer.origin }),
    clients: new ClientRegistry({ store, masterKey, audit, allowLoopbackHttp: options.development }),
    accounts: new AccountService({
      store,
      audit,
      hasher: new PasswordHasher(options.passwordHash),
      throttle: new LoginThrottle(store),
    }),
  };
}
