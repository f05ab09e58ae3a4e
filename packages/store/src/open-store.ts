import { join } from 'node:path';
import { StoreError } from './errors.ts';
import { PostgresStore } from './postgres-store.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { Store } from './types.ts';

export interface OpenStoreOptions {
  /** PostgreSQL connection URL; when set, PostgreSQL is used. */
  databaseUrl?: string | undefined;
  /** Folder of the embedded SQLite file (`onegate.db`), used when no URL is given. */
  dataDir?: string | undefined;
  /** Called with errors that have no caller to reject (a dropped idle connection, a failing listener). */
  onError?: (err: unknown) => void;
}

export const SQLITE_FILE_NAME = 'onegate.db';

/**
 * Opens PostgreSQL when a URL is given, else the SQLite file in `dataDir`,
 * and checks that the database answers before returning.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const onError = options.onError ? { onError: options.onError } : {};
  let store: Store;
  if (options.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(options.databaseUrl)) {
      throw new StoreError(
        'ERR_STORE_CONFIG',
        'the database URL must start with postgres:// or postgresql://',
      );
    }
    store = new PostgresStore({ url: options.databaseUrl, ...onError });
  } else if (options.dataDir) {
    store = new SqliteStore({ file: join(options.dataDir, SQLITE_FILE_NAME), ...onError });
  } else {
    throw new StoreError('ERR_STORE_CONFIG', 'give a PostgreSQL URL or a data folder');
  }
  try {
    await store.ping();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}
