import type { AuthzService } from '@onegate/authz';
import {
  kekFromBase64,
  Keyring,
  loadKek,
  type DecryptAuthorizer,
  type KeyAuditSink,
  type KeyEncryptionKey,
} from '@onegate/privacy';
import type { Store } from '@onegate/store';
import type { Config } from './config/settings.ts';
import type { Logger } from './logger.ts';

/** During a KEK rotation: the KEK being rotated out, which only unwraps until `onegate privacy kek rewrap` is done. */
export const PREVIOUS_KEK_ENV = 'ONEGATE_PRIVACY_PREVIOUS_KEK';

export interface ServerKeks {
  kek: KeyEncryptionKey;
  previousKeks: KeyEncryptionKey[];
}

/**
 * The key-encryption key of personal data: `ONEGATE_PRIVACY_KEK`, else
 * `privacy-kek.key` in the data folder. Development creates a missing file
 * (and says so); production needs `onegate init` to have made it. Loaded
 * before the database is touched, like the master key. While the KEK is
 * rotated, `ONEGATE_PRIVACY_PREVIOUS_KEK` holds the old one, so instances
 * keep serving through the rotation.
 */
export async function loadServerKeks(config: Config, logger: Logger): Promise<ServerKeks> {
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
  const previous = process.env[PREVIOUS_KEK_ENV];
  return {
    kek: loaded.kek,
    // Empty means unset, as in the CLI: an orchestrator often clears a variable rather than removing it.
    previousKeks:
      previous === undefined || previous === '' ? [] : [kekFromBase64(previous, PREVIOUS_KEK_ENV)],
  };
}

/**
 * The keyring on the store: every shared key chain unwrapped into memory and
 * kept current from the change feed. The CLI makes one too.
 */
export async function startKeyring(
  config: Pick<Config, 'privacyAlgorithm'>,
  store: Store,
  keks: ServerKeks,
  audit: KeyAuditSink,
  onError: (err: unknown) => void,
): Promise<Keyring> {
  const keyring = new Keyring({
    store,
    kek: keks.kek,
    previousKeks: keks.previousKeks,
    audit,
    algorithm: config.privacyAlgorithm,
    onError,
  });
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
