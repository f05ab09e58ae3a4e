import { createSecretKey, randomBytes } from 'node:crypto';
import {
  Keyring,
  LocalKek,
  privacyMigrations,
  type CipherAlgorithm,
  type KeyEncryptionKey,
} from '@onegate/privacy';
import type { Store } from '@onegate/store';

/** A fresh key-encryption key; processes sharing a database share one. */
export function newKek(): KeyEncryptionKey {
  return new LocalKek(createSecretKey(randomBytes(32)));
}

/** A started keyring on `store` (a fresh KEK unless given), auditing nowhere; stop it after the tests. */
export async function startTestKeyring(
  store: Store,
  options: { kek?: KeyEncryptionKey; algorithm?: CipherAlgorithm } = {},
): Promise<Keyring> {
  await store.migrate(privacyMigrations);
  const keyring = new Keyring({
    store,
    kek: options.kek ?? newKek(),
    audit: { write: async () => undefined },
    ...(options.algorithm ? { algorithm: options.algorithm } : {}),
  });
  await keyring.start();
  return keyring;
}
