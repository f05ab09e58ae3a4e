import { identityServices, loadMasterKey, StoreAuditSink, type IdentityServices } from '@onegate/identity';
import { Keyring, loadKek } from '@onegate/privacy';
import type { Store } from '@onegate/store';

export interface IdentityAdmin {
  services: IdentityServices;
  /** Stops the keyring; the store stays open. */
  stop(): Promise<void>;
}

/**
 * A third party to the database, like the CLI: identity services with the
 * master key and the privacy key-encryption key of `dataDir` (the ones the
 * servers use), and a keyring of its own on `store`.
 */
export async function identityAdmin(store: Store, dataDir: string): Promise<IdentityAdmin> {
  const { key } = await loadMasterKey({ env: {}, dataDir });
  const { kek } = await loadKek({ env: {}, dataDir });
  const audit = new StoreAuditSink(store);
  const keyring = new Keyring({ store, kek, audit });
  await keyring.start();
  return {
    services: identityServices({
      store,
      audit,
      keyring,
      masterKey: key,
      passwordHash: { memoryKiB: 19456, timeCost: 2, parallelism: 1 },
      development: true,
    }),
    stop: () => keyring.stop(),
  };
}
