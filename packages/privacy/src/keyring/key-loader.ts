import type { Store } from '@onegate/store';
import type { KeyObject } from 'node:crypto';
import { isPrivacyError } from '../errors.ts';
import type { DataKey } from '../field-types.ts';
import { unwrapDataKey, type WrappedKeyName } from './dek-wrap.ts';
import type { KeyEncryptionKey } from './kek.ts';
import type { CachedChain, CachedVersion, KeyCache } from './key-cache.ts';
import { kekFailure } from './key-errors.ts';
import { purposeOf } from './key-ids.ts';
import * as tables from './keyring-tables.ts';

/**
 * Fills the key cache from the store: reads a chain, unwraps the versions
 * that may decrypt (with the KEK named on each row), and puts the result in
 * the cache. Loads of one key id run one after another, so an older read
 * never overwrites a newer one; different key ids load side by side.
 */
export class KeyLoader {
  readonly #store: Store;
  readonly #cache: KeyCache;
  readonly #keks: ReadonlyMap<string, KeyEncryptionKey>;
  readonly #onError: (err: unknown) => void;
  /** The latest load of each key id. */
  readonly #loading = new Map<string, Promise<void>>();

  constructor(
    store: Store,
    cache: KeyCache,
    keks: ReadonlyMap<string, KeyEncryptionKey>,
    onError: (err: unknown) => void,
  ) {
    this.#store = store;
    this.#cache = cache;
    this.#keks = keks;
    this.#onError = onError;
  }

  /** Waits for every load under way. */
  async settled(): Promise<void> {
    await Promise.all(this.#loading.values());
  }

  async unwrap(row: tables.VersionRow): Promise<KeyObject> {
    const kek = this.#keks.get(row.kek_id);
    if (!kek) {
      throw kekFailure(
        `version ${row.version} of key "${row.key_id}" is wrapped by key-encryption key "${row.kek_id}", which this process does not hold`,
      );
    }
    return unwrapDataKey(kek, nameOf(row), row.wrapped!);
  }

  /** Re-reads one chain; loads of the same key id run one after another. */
  load(keyId: string): Promise<void> {
    const previous = this.#loading.get(keyId) ?? Promise.resolve();
    const next = previous.then(() => this.#reload(keyId));
    const settled = next.catch(() => undefined);
    this.#loading.set(keyId, settled);
    void settled.then(() => {
      if (this.#loading.get(keyId) === settled) this.#loading.delete(keyId);
    });
    return next;
  }

  async #reload(keyId: string): Promise<void> {
    const stored = await tables.readChain(this.#store, keyId);
    if (stored) {
      this.#cache.put(await this.#materialize(stored, this.#cache.peek(keyId)));
    } else if (await tables.readTombstone(this.#store, keyId)) {
      this.#cache.markShredded(keyId);
    } else {
      this.#cache.drop(keyId);
    }
  }

  /** Unwraps what may decrypt, reusing keys already unwrapped from the same wrapped bytes. */
  async #materialize(
    { chain, versions }: tables.StoredChain,
    before: CachedChain | undefined,
  ): Promise<CachedChain> {
    const cached = new Map<number, CachedVersion>();
    for (const row of versions) {
      const old = before?.versions.get(row.version);
      const usable =
        row.wrapped !== null &&
        row.state !== 'retired' &&
        row.version >= chain.min_version &&
        row.version >= chain.first_version;
      let key: DataKey | undefined;
      let failure;
      if (usable && old?.key && old.wrapped?.equals(row.wrapped!) && old.algorithm === row.algorithm) {
        key = old.key;
      } else if (usable) {
        try {
          key = {
            keyId: row.key_id,
            version: row.version,
            algorithm: row.algorithm,
            material: await this.unwrap(row),
          };
        } catch (err) {
          failure = isPrivacyError(err)
            ? err
            : kekFailure(`cannot unwrap version ${row.version} of key "${row.key_id}"`, err);
          this.#onError(failure);
        }
      }
      cached.set(row.version, {
        version: row.version,
        algorithm: row.algorithm,
        state: row.state,
        destroyed: row.wrapped === null,
        kekId: row.kek_id,
        wrapped: row.wrapped ?? undefined,
        key,
        failure,
      });
    }
    return {
      keyId: chain.key_id,
      purpose: chain.purpose,
      algorithm: chain.algorithm,
      minVersion: chain.min_version,
      firstVersion: chain.first_version,
      primary: versions.find((v) => v.state === 'primary')?.version,
      versions: cached,
    };
  }

  /** Every shared chain and shared tombstone, and the per-subject chains in memory. */
  async reloadAll(): Promise<void> {
    const shared = (await tables.listChains(this.#store, false)).map((c) => c.key_id);
    for (const keyId of await tables.sharedTombstones(this.#store)) this.#cache.markShredded(keyId);
    const ids = new Set([...shared, ...this.#cache.cachedKeyIds()]);
    await Promise.all([...ids].map((keyId) => this.load(keyId)));
  }
}

export function nameOf(row: tables.VersionRow): WrappedKeyName {
  return {
    keyId: row.key_id,
    version: row.version,
    purpose: purposeOf(row.key_id),
    algorithm: row.algorithm,
  };
}
