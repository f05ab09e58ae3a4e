import type { Store } from '@onegate/store';
import { isPrivacyError } from '../errors.ts';
import { wrapDataKey } from './dek-wrap.ts';
import type { KeyEncryptionKey } from './kek.ts';
import { nameOf, type KeyLoader } from './key-loader.ts';
import * as tables from './keyring-tables.ts';

export interface KekRewrapResult {
  rewrapped: number;
  /** Changed by someone else between read and write: run again. */
  skipped: number;
  /** `keyId@version` of keys that would not unwrap: they stay under the old KEK. */
  failed: string[];
}

/**
 * KEK rotation: rewraps every data key wrapped by another KEK under `kek`,
 * a page at a time, each replaced only if unchanged since read. The data
 * keys themselves, and so every ciphertext, stay the same. One broken key
 * does not stop the others moving; it is reported in `failed`.
 */
export async function rewrapDataKeys(options: {
  store: Store;
  kek: KeyEncryptionKey;
  loader: KeyLoader;
  pageSize: number;
  onError: (err: unknown) => void;
}): Promise<KekRewrapResult> {
  const { store, kek, loader } = options;
  let after: { keyId: string; version: number } | undefined;
  const result: KekRewrapResult = { rewrapped: 0, skipped: 0, failed: [] };
  for (;;) {
    const page = await tables.versionsWrappedByOthers(store, kek.id, after, options.pageSize);
    if (page.length === 0) return result;
    const replacements: Array<[tables.VersionRow, Buffer]> = [];
    for (const row of page) {
      try {
        const material = (await loader.unwrap(row)).export();
        try {
          replacements.push([row, await wrapDataKey(kek, nameOf(row), material)]);
        } finally {
          material.fill(0);
        }
      } catch (err) {
        if (!isPrivacyError(err, 'ERR_PRIVACY_KEK')) throw err;
        options.onError(err);
        result.failed.push(`${row.key_id}@${row.version}`);
      }
    }
    await store.transaction(async (tx) => {
      for (const [row, wrapped] of replacements) {
        if (await tables.replaceWrapped(tx, row, kek.id, wrapped)) result.rewrapped++;
        else result.skipped++;
      }
    });
    const last = page[page.length - 1]!;
    after = { keyId: last.key_id, version: last.version };
  }
}
