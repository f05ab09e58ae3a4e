import type { SigningAlg } from './keys/signing-algorithms.ts';
import type { KeyObject } from 'node:crypto';
import type { Keyring } from '@onegate/privacy';
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

/** What `sealStoredData` converted. */
export interface SealedDataUpgrade {
  accounts: number;
  totpSecrets: number;
  signingKeys: number;
}

/**
 * Accounts, clients and signing keys without the OIDC provider: what the
 * `onegate` CLI needs to administer a database the server may be using at
 * the same moment.
 */
export function identityServices(options: {
  store: Store;
  audit: AuditSink;
  /** Seals personal data, TOTP secrets and signing keys; started by the caller. */
  keyring: Keyring;
  /** Derives cookie, CSRF, pairwise and recovery-code keys, seals client secrets, opens pre-keyring secrets. */
  masterKey: KeyObject;
  passwordHash: PasswordHashParams;
  development: boolean;
  /** Hosts on private networks a back-channel logout URI may name; none unless the operator lists them. */
  outboundAllowedHosts?: readonly string[];
  /** The issuer: the passkey relying party is its host name, and its origin the only accepted one. */
  issuer?: string;
  /** The signing algorithms in use (ONEGATE_SIGNING_ALGS): with RS256, apps may be registered as legacy. */
  signingAlgs?: readonly SigningAlg[];
}): IdentityServices {
  const issuer = new URL(options.issuer ?? 'http://localhost:8080');
  const { store, audit, keyring, masterKey } = options;
  const clients = new ClientRegistry({
    store,
    masterKey,
    audit,
    allowLoopbackHttp: options.development,
    outboundAllowedHosts: options.outboundAllowedHosts ?? [],
    allowRs256: options.signingAlgs?.includes('RS256') ?? false,
  });
  return {
    keys: new SigningKeys({ store, keyring, masterKey }),
    totp: new TotpFactors({ store, keyring, masterKey }),
    recoveryCodes: new RecoveryCodes({ store, pepper: deriveKey(masterKey, 'recovery-codes') }),
    passkeys: new Passkeys({ store, rpId: issuer.hostname, rpName: 'OneGate', origin: issuer.origin }),
    clients,
    accounts: new AccountService({
      store,
      audit,
      hasher: new PasswordHasher(options.passwordHash),
      throttle: new LoginThrottle(store),
      keyring,
      backchannelUriOf: async (clientId) => {
        const uri = (await clients.providerMetadata(clientId))?.['backchannel_logout_uri'];
        return typeof uri === 'string' ? uri : undefined;
      },
    }),
  };
}

/**
 * Brings data written before identity used the keyring under it: plaintext
 * names, phone numbers and e-mail addresses are sealed and indexed, and TOTP
 * secrets and signing keys sealed with the master key are resealed. Safe to
 * run in several processes at once and again; `Identity.start` runs it.
 */
export async function sealStoredData(
  services: IdentityServices,
  onError: (err: unknown) => void,
): Promise<SealedDataUpgrade> {
  return {
    accounts: await services.accounts.sealPlaintextRows(onError),
    totpSecrets: await services.totp.resealLegacy(onError),
    signingKeys: await services.keys.resealLegacy(),
  };
}
