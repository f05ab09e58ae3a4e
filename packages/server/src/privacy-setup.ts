import type { AuthzService } from '@onegate/authz';
import {
  Keyring,
  loadKek,
  type DecryptAuthorizer,
  type KeyAuditSink,
  type KeyEncryptionKey,
} from '@onegate/privacy';
import type { Store } from '@onegate/store';
import type { Config } from './config/settings.ts';
import type { Logger } from './logger.ts';

/**
 * The key-encryption key of personal data: `ONEGATE_PRIVACY_KEK`, else
 * `privacy-kek.key` in the data folder. Development creates a missing file
 * (and says so); production needs `onegate init` to have made it. Loaded
 * before the database is touched, like the master key.
 */
export async function loadServerKek(config: Config, logger: Logger): Promise<KeyEncryptionKey> {
  const loaded = await loadKek({
    env: process.env,
    dataDir: config.dataDir,
    create: config.env === 'development',
  });
  if (loaded.source === 'created') {
    logger.warn(
      { path: loaded.path },
      'created a new privacy key-encryption key for development; back it up, encrypted personal data depends on it',
    );
  }
  return loaded.kek;
}

/**
 * The keyring on the store: every shared key chain unwrapped into memory and
 * kept current from the change feed. The CLI makes one too.
 */
export async function startKeyring(
  config: Pick<Config, 'privacyAlgorithm'>,
  store: Store,
  kek: KeyEncryptionKey,
  audit: KeyAuditSink,
  onError: (err: unknown) => void,
): Promise<Keyring> {
  const keyring = new Keyring({ store, kek, audit, algorithm: config.privacyAlgorithm, onError });
  await keyring.start();
  return keyring;
}

/**
 * Decrypting is an authorization question like any other: action `decrypt`
 * on the field's resource (`collection/row/field`), for the stated purpose,
 * at the person's sign-in level. Denials are audited by authz as decisions
 * and by privacy as refused decrypts, linked by the decision id.
 */
export function decryptAuthorizer(authz: AuthzService): DecryptAuthorizer {
  return async (checks, caller) => {
    const results = await authz.checkMany(
      checks.map((c) => ({
        subject: c.actor,
        action: 'decrypt',
        resource: c.resource,
        purpose: c.purpose,
        ...(c.acr === undefined ? {} : { acr: c.acr }),
      })),
      { clientId: caller.clientId },
    );
    return results.map((r) => ({ allowed: r.allowed, reason: r.reason, decisionId: r.decisionId }));
  };
}
