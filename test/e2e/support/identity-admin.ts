import { identityServices, loadMasterKey, type IdentityServices } from '@onegate/identity';
import { Keyring, loadKek } from '@onegate/privacy';
import { createAudit, loadConfig } from '@onegate/server';
import type { Store } from '@onegate/store';

export interface IdentityAdmin {
  services: IdentityServices;
  /** Closes its audit log (a last checkpoint signed) and stops the keyring; the store stays open. */
  stop(): Promise<void>;
}

/**
 * A third party to the database, like the CLI: identity services with the
 * master key and the privacy key-encryption key of `dataDir` (the ones the
 * servers use), a keyring of its own on `store`, and the audit log of
 * `issuer` (the servers' one), which it appends to beside them.
 */
export async function identityAdmin(store: Store, dataDir: string, issuer: string): Promise<IdentityAdmin> {
  const { key } = await loadMasterKey({ env: {}, dataDir });
  const { kek } = await loadKek({ env: {}, dataDir });
  // The servers' settings for the log (their issuer names it); no timers: checkpoints on `stop`.
  const config = loadConfig({ ONEGATE_ISSUER: issuer });
  const errors: unknown[] = [];
  const { audit, start } = createAudit(config, store, (err) => errors.push(err), {
    checkpointIntervalMs: 0,
    pruneIntervalMs: 0,
  });
  const keyring = new Keyring({ store, kek, audit });
  await keyring.start();
  await start(keyring);
  return {
    services: identityServices({
      store,
      audit,
      keyring,
      masterKey: key,
      passwordHash: { memoryKiB: 19456, timeCost: 2, parallelism: 1 },
      development: true,
    }),
    stop: async () => {
      await audit.close();
      await keyring.stop();
      if (errors.length > 0) throw new AggregateError(errors, 'the admin audit log failed');
    },
  };
}
