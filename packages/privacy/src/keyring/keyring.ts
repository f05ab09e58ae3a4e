import { randomBytes } from 'node:crypto';
import type { Change, Store } from '@onegate/store';
import { isPrivacyError } from '../errors.ts';
import type { CipherAlgorithm, DataKey, KeyResolver } from '../field-types.ts';
import { DATA_KEY_BYTES, wrapDataKey, type WrappedKeyName } from './dek-wrap.ts';
import type { KeyEncryptionKey } from './kek.ts';
import type { KeyAuditSink } from './key-audit.ts';
import { rewrapDataKeys, type KekRewrapResult } from './kek-rotation.ts';
import { KeyCache } from './key-cache.ts';
import { KeyLoader } from './key-loader.ts';
import { invalid, kekFailure, keyNotFound, keyShredded } from './key-errors.ts';
import {
  BLIND_INDEX_ROOT_KEY_ID,
  checkActor,
  checkAlgorithm,
  checkKeyId,
  checkVersion,
  purposeOf,
  SUBJECT_KEY_PREFIX,
} from './key-ids.ts';
import { planDestroy, planMinVersion, planReinstate, planRetire, type Plan } from './key-lifecycle.ts';
import { chainInfo, type KeyChainInfo, type ShredResult } from './keyring-info.ts';
import { KEYS_TOPIC, noticeKey, parseNoticeKey } from './keyring-feed.ts';
import * as tables from './keyring-tables.ts';

export interface KeyringOptions {
  store: Store;
  /** Wraps new data keys and unwraps stored ones. */
  kek: KeyEncryptionKey;
  /** KEKs being rotated out: they only unwrap, until `rewrapKeys` has moved every key to `kek`. */
  previousKeks?: readonly KeyEncryptionKey[];
  audit: KeyAuditSink;
  /** The algorithm of new key chains: `aes-256-gcm` (default), or `sm4-ctr-hmac-sm3` in GM mode. */
  algorithm?: CipherAlgorithm;
  /** How many per-subject key chains stay unwrapped in memory (least recently used go first). */
  maxCachedSubjects?: number;
  clock?: () => number;
  /** Background failures (following other instances' changes, a key that will not unwrap); the keyring carries on. */
  onError?: (err: unknown) => void;
}

/** Another process changed the chain between reading it and writing: read again and retry. */
class Stale extends Error {}

const RETRIES = 3;
const SYSTEM_ACTOR = 'system';

/**
 * Data keys per key id, each a chain of versions stored wrapped by the KEK.
 * Lookups (`resolve`) are synchronous from memory, so a cipher can call them
 * per field; the memory is filled at `start` (every shared chain) and on
 * demand (`ensure`, `primaryKey`: per-subject chains), and kept current by
 * the store's change feed: a change made by any process is written with its
 * notice in one transaction, and every keyring re-reads that chain.
 *
 * Cache lifetime (ASVS 14.2.2): unwrapped keys stay for the life of the
 * process while they may decrypt; a version retired, destroyed, put below
 * the minimum or shredded is dropped as soon as the change is seen (at once
 * here, within about a second elsewhere), and `stop` drops everything.
 */
export class Keyring {
  /** The algorithm of new key chains. */
  readonly algorithm: CipherAlgorithm;
  readonly #store: Store;
  readonly #kek: KeyEncryptionKey;
  readonly #keks: Map<string, KeyEncryptionKey>;
  readonly #audit: KeyAuditSink;
  readonly #clock: () => number;
  readonly #onError: (err: unknown) => void;
  readonly #cache: KeyCache;
  readonly #loader: KeyLoader;
  #feedId = '';
  #started = false;
  #unsubscribe: (() => void) | undefined;

  constructor(options: KeyringOptions) {
    this.#store = options.store;
    this.#kek = options.kek;
    this.#keks = new Map([...(options.previousKeks ?? []), options.kek].map((k) => [k.id, k]));
    this.#audit = options.audit;
    this.algorithm = checkAlgorithm(options.algorithm ?? 'aes-256-gcm');
    this.#clock = options.clock ?? Date.now;
    this.#onError = options.onError ?? (() => undefined);
    const max = options.maxCachedSubjects ?? 10_000;
    if (!Number.isSafeInteger(max) || max < 1)
      throw invalid('maxCachedSubjects is a whole number of at least 1');
    this.#cache = new KeyCache(max);
    this.#loader = new KeyLoader(this.#store, this.#cache, this.#keks, this.#onError);
  }

  /**
   * Checks that this process holds the KEK that wrapped the stored keys
   * (else ERR_PRIVACY_KEK), loads every shared chain, and follows changes
   * until `stop`.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#feedId = await tables.readFeedId(this.#store);
    // Subscribe first, so that nothing committed after the load goes unnoticed.
    this.#unsubscribe = await this.#store.subscribe(KEYS_TOPIC, (change) => {
      this.#follow(change).catch(this.#onError);
    });
    try {
      const unknown = (await tables.kekIdsInUse(this.#store)).filter((id) => !this.#keks.has(id));
      if (unknown.length > 0) {
        throw kekFailure(
          `the data keys are wrapped by key-encryption key ${unknown.map((id) => `"${id}"`).join(', ')} but this process holds ${[...this.#keks.keys()].map((id) => `"${id}"`).join(', ')}: give every instance the same KEK`,
        );
      }
      await this.#loader.reloadAll();
      this.#started = true;
    } catch (err) {
      this.#unsubscribe();
      this.#unsubscribe = undefined;
      throw err;
    }
  }

  /** Stops following changes and forgets every unwrapped key. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#started = false;
    await this.#loader.settled();
    this.#cache.clear();
  }

  // ---- lookups

  /**
   * The data key a ciphertext names, from memory; a `KeyResolver` for
   * `openField`. Throws ERR_PRIVACY_KEY_NOT_FOUND when it is not in memory
   * (then `ensure` loads it), ERR_PRIVACY_KEY_RETIRED when the version is
   * retired, destroyed or below the minimum, ERR_PRIVACY_KEY_SHREDDED after
   * erasure, ERR_PRIVACY_KEK when the stored key would not unwrap.
   */
  readonly resolve: KeyResolver = (keyId, version) => {
    this.#assertStarted();
    return this.#cache.resolve(keyId, version);
  };

  /** `resolve`, loading the chain from the store first when it is not in memory: call it, then retry. */
  async ensure(keyId: string, version: number): Promise<DataKey> {
    this.#assertStarted();
    checkKeyId(keyId);
    checkVersion(version);
    try {
      return this.#cache.resolve(keyId, version);
    } catch (err) {
      if (!isPrivacyError(err, 'ERR_PRIVACY_KEY_NOT_FOUND')) throw err;
    }
    await this.#loader.load(keyId);
    return this.#cache.resolve(keyId, version);
  }

  /**
   * The key to encrypt with: the primary version, made on first use unless
   * `create` is false. Never makes a key for a shredded key id unless
   * `allowAfterShred` (the new chain then starts above the shredded versions).
   */
  async primaryKey(
    keyId: string,
    options: { create?: boolean; allowAfterShred?: boolean; actor?: string } = {},
  ): Promise<DataKey> {
    this.#assertStarted();
    checkKeyId(keyId);
    const cached = this.cachedPrimaryKey(keyId);
    if (cached) return cached;
    await this.#loader.load(keyId);
    const loaded = this.cachedPrimaryKey(keyId);
    if (loaded) return loaded;
    if (options.create !== false) {
      await this.#create(keyId, options.allowAfterShred ?? false, checkActor(options.actor ?? SYSTEM_ACTOR));
      const created = this.cachedPrimaryKey(keyId);
      if (created) return created;
    }
    throw this.#cache.isShredded(keyId) ? keyShredded(keyId) : keyNotFound(keyId);
  }

  /** The primary key if it is in memory, without waiting: for hot paths that fall back to `primaryKey`. */
  cachedPrimaryKey(keyId: string): DataKey | undefined {
    const chain = this.#cache.chain(keyId);
    return chain?.primary === undefined ? undefined : this.#cache.resolve(keyId, chain.primary);
  }

  /**
   * Every version of the chain in memory that may decrypt, primary first.
   * For the blind-index root during a re-index: a lookup computes the index
   * under each and matches any, so search keeps working while rows move.
   */
  usableKeys(keyId: string): DataKey[] {
    const chain = this.#cache.peek(keyId);
    if (!chain) return [];
    const keys: DataKey[] = [];
    for (const v of chain.versions.values()) {
      if (v.key && !v.destroyed && v.state !== 'retired' && v.version >= chain.minVersion) keys.push(v.key);
    }
    return keys.sort((a, b) =>
      a.version === chain.primary ? -1 : b.version === chain.primary ? 1 : b.version - a.version,
    );
  }

  /** The root key blind-index keys are derived from (`columnIndexKey(root.material, table, column)`). */
  blindIndexRoot(): Promise<DataKey> {
    return this.primaryKey(BLIND_INDEX_ROOT_KEY_ID);
  }

  // ---- lifecycle: each change committed with its notice, then audited

  /** Makes a new primary version; the old primary becomes decrypt-only, so nothing stops opening. */
  async rotate(
    keyId: string,
    actor: string,
    options: { algorithm?: CipherAlgorithm } = {},
  ): Promise<KeyChainInfo> {
    this.#assertStarted();
    checkKeyId(keyId);
    checkActor(actor);
    const algorithm = options.algorithm === undefined ? undefined : checkAlgorithm(options.algorithm);
    for (let attempt = 1; ; attempt++) {
      const seen = await tables.readChain(this.#store, keyId);
      if (!seen)
        throw (await tables.readTombstone(this.#store, keyId)) ? keyShredded(keyId) : keyNotFound(keyId);
      const last = Math.max(...seen.versions.map((v) => v.version), seen.chain.first_version - 1);
      const name = {
        keyId,
        version: last + 1,
        purpose: seen.chain.purpose,
        algorithm: algorithm ?? seen.chain.algorithm,
      };
      checkVersion(name.version);
      // Wrapped before the transaction: a KMS round trip must not hold the database lock.
      const wrapped = await this.#wrapNew(name);
      try {
        return await this.#change(keyId, actor, (stored) => {
          if (Math.max(...stored.versions.map((v) => v.version), stored.chain.first_version - 1) !== last) {
            throw new Stale();
          }
          const previous = stored.versions.find((v) => v.state === 'primary')?.version;
          return {
            action: 'privacy.key.rotate',
            details: { version: name.version, previousPrimary: previous ?? null, algorithm: name.algorithm },
            write: async (tx, now) => {
              if (previous !== undefined)
                await tables.setVersionState(tx, keyId, previous, 'decrypt-only', now);
              await tables.insertVersion(tx, this.#versionRow(name, wrapped, now));
              await tables.updateChain(tx, keyId, { algorithm: name.algorithm }, now);
            },
          };
        });
      } catch (err) {
        if (!(err instanceof Stale) || attempt >= RETRIES) throw err;
      }
    }
  }

  /** The version stops decrypting (ERR_PRIVACY_KEY_RETIRED); its wrapped key is kept until `destroy`. */
  retire(keyId: string, version: number, actor: string): Promise<KeyChainInfo> {
    return this.#planned(
      keyId,
      actor,
      () => checkVersion(version),
      (s) => planRetire(s, version),
    );
  }

  /** Takes a retired (not destroyed) version back to decrypt-only: undoes a retirement made too early. */
  reinstate(keyId: string, version: number, actor: string): Promise<KeyChainInfo> {
    return this.#planned(
      keyId,
      actor,
      () => checkVersion(version),
      (s) => planReinstate(s, version),
    );
  }

  /** Versions below `minVersion` refuse to decrypt. It only rises, and never past the primary. */
  setMinVersion(keyId: string, minVersion: number, actor: string): Promise<KeyChainInfo> {
    return this.#planned(
      keyId,
      actor,
      () => checkVersion(minVersion),
      (s) => planMinVersion(s, minVersion),
    );
  }

  /** Deletes a retired version's wrapped key: what it encrypted can never be decrypted again. */
  destroy(keyId: string, version: number, actor: string): Promise<KeyChainInfo> {
    return this.#planned(
      keyId,
      actor,
      () => checkVersion(version),
      (s) => planDestroy(s, version),
    );
  }

  /**
   * Crypto-shredding: deletes every version of the chain and leaves a
   * tombstone, so the key id reports ERR_PRIVACY_KEY_SHREDDED from now on
   * and no key is made for it again unless explicitly allowed. Works on a
   * key id never used too (an erasure request before any data).
   */
  async shred(keyId: string, actor: string): Promise<ShredResult> {
    this.#assertStarted();
    checkKeyId(keyId);
    checkActor(actor);
    const result = await this.#store.transaction(async (tx) => {
      await tables.lockKey(tx, keyId);
      const stored = await tables.readChain(tx, keyId);
      const tombstone = await tables.readTombstone(tx, keyId);
      if (!stored && tombstone) return { keyId, versionsDestroyed: 0, alreadyShredded: true };
      const destroyed = stored?.versions.filter((v) => v.wrapped !== null).length ?? 0;
      await tables.shredChain(tx, {
        key_id: keyId,
        purpose: purposeOf(keyId),
        shredded_through: Math.max(
          tombstone?.shredded_through ?? 0,
          (stored?.chain.first_version ?? 1) - 1,
          ...(stored?.versions.map((v) => v.version) ?? []),
        ),
        versions_destroyed: (tombstone?.versions_destroyed ?? 0) + destroyed,
        actor,
        shredded_at: this.#clock(),
      });
      await tx.notify(KEYS_TOPIC, noticeKey({ feedId: this.#feedId, kind: 'shred', keyId }));
      return { keyId, versionsDestroyed: destroyed, alreadyShredded: false };
    });
    this.#cache.markShredded(keyId);
    if (!result.alreadyShredded) {
      await this.#audit.write({
        action: 'privacy.key.shred',
        outcome: 'success',
        actor,
        subject: subjectOf(keyId),
        details: { keyId, versionsDestroyed: result.versionsDestroyed },
      });
    }
    return result;
  }

  /** Whether the key id was ever shredded (a chain made again afterwards does not undo that). */
  async isShredded(keyId: string): Promise<boolean> {
    return (await tables.readTombstone(this.#store, checkKeyId(keyId))) !== undefined;
  }

  // ---- reading, for operators

  async describe(keyId: string): Promise<KeyChainInfo> {
    const stored = await tables.readChain(this.#store, checkKeyId(keyId));
    if (!stored)
      throw (await tables.readTombstone(this.#store, keyId)) ? keyShredded(keyId) : keyNotFound(keyId);
    return chainInfo(stored);
  }

  /** Every chain with its versions; per-subject chains only when asked (there may be millions). */
  async list(options: { includeSubjects?: boolean } = {}): Promise<KeyChainInfo[]> {
    const chains = await tables.listChains(this.#store, options.includeSubjects ?? false);
    const found = await Promise.all(chains.map((c) => tables.readChain(this.#store, c.key_id)));
    return found.flatMap((stored) => (stored ? [chainInfo(stored)] : []));
  }

  // ---- KEK rotation

  /**
   * Rewraps every data key wrapped by a previous KEK under the current one
   * (see `rewrapDataKeys`). Afterwards the old KEK can be taken out of
   * `previousKeks` and, once no backup needs it, destroyed.
   */
  async rewrapKeys(actor: string, pageSize = 500): Promise<KekRewrapResult> {
    this.#assertStarted();
    checkActor(actor);
    const result = await rewrapDataKeys({
      store: this.#store,
      kek: this.#kek,
      loader: this.#loader,
      pageSize,
      onError: this.#onError,
    });
    await this.#audit.write({
      action: 'privacy.kek.rewrap',
      outcome: result.failed.length === 0 ? 'success' : 'failure',
      actor,
      details: { kekId: this.#kek.id, ...result },
    });
    return result;
  }

  // ---- internals

  #assertStarted(): void {
    if (!this.#started) throw new Error('Keyring.start() has not run');
  }

  async #planned(
    keyId: string,
    actor: string,
    check: () => void,
    plan: (stored: tables.StoredChain) => Plan | undefined,
  ): Promise<KeyChainInfo> {
    this.#assertStarted();
    checkKeyId(keyId);
    checkActor(actor);
    check();
    return this.#change(keyId, actor, plan);
  }

  /** One change to a chain, in one transaction with its notice; then loaded here and audited. */
  async #change(
    keyId: string,
    actor: string,
    plan: (stored: tables.StoredChain) => Plan | undefined,
  ): Promise<KeyChainInfo> {
    const planned = await this.#store.transaction(async (tx) => {
      await tables.lockKey(tx, keyId);
      const stored = await tables.readChain(tx, keyId);
      if (!stored) throw (await tables.readTombstone(tx, keyId)) ? keyShredded(keyId) : keyNotFound(keyId);
      const p = plan(stored);
      if (!p) return undefined;
      await p.write(tx, this.#clock());
      await tx.notify(KEYS_TOPIC, noticeKey({ feedId: this.#feedId, kind: 'chain', keyId }));
      return p;
    });
    await this.#loader.load(keyId);
    if (planned) {
      await this.#audit.write({
        action: planned.action,
        outcome: 'success',
        actor,
        subject: subjectOf(keyId),
        details: { keyId, ...planned.details },
      });
    }
    return this.describe(keyId);
  }

  async #create(keyId: string, allowAfterShred: boolean, actor: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const tombstone = await tables.readTombstone(this.#store, keyId);
      if (tombstone && !allowAfterShred) throw keyShredded(keyId);
      const name = {
        keyId,
        version: (tombstone?.shredded_through ?? 0) + 1,
        purpose: purposeOf(keyId),
        algorithm: this.algorithm,
      };
      const wrapped = await this.#wrapNew(name);
      let created: boolean;
      try {
        created = await this.#store.transaction(async (tx) => {
          await tables.lockKey(tx, keyId);
          const now = this.#clock();
          const seen = await tables.readTombstone(tx, keyId);
          if (seen?.shredded_through !== tombstone?.shredded_through) throw new Stale();
          const made = await tables.insertChain(tx, {
            key_id: keyId,
            purpose: name.purpose,
            algorithm: name.algorithm,
            min_version: name.version,
            first_version: name.version,
            created_at: now,
            updated_at: now,
          });
          if (!made) return false; // another process made it first: use theirs
          await tables.insertVersion(tx, this.#versionRow(name, wrapped, now));
          await tx.notify(KEYS_TOPIC, noticeKey({ feedId: this.#feedId, kind: 'chain', keyId }));
          return true;
        });
      } catch (err) {
        if (!(err instanceof Stale) || attempt >= RETRIES) throw err;
        continue;
      }
      await this.#loader.load(keyId);
      if (created) {
        await this.#audit.write({
          action: 'privacy.key.create',
          outcome: 'success',
          actor,
          subject: subjectOf(keyId),
          details: {
            keyId,
            version: name.version,
            algorithm: name.algorithm,
            purpose: name.purpose,
            ...(tombstone ? { afterShred: true } : {}),
          },
        });
      }
      return;
    }
  }

  async #wrapNew(name: WrappedKeyName): Promise<Buffer> {
    const material = randomBytes(DATA_KEY_BYTES);
    try {
      return await wrapDataKey(this.#kek, name, material);
    } finally {
      material.fill(0);
    }
  }

  #versionRow(name: WrappedKeyName, wrapped: Buffer, now: number): tables.VersionRow {
    return {
      key_id: name.keyId,
      version: name.version,
      algorithm: name.algorithm,
      state: 'primary',
      kek_id: this.#kek.id,
      wrapped,
      created_at: now,
      updated_at: now,
      destroyed_at: null,
    };
  }

  /** A notice from the feed: re-read the chain it names, or everything after missed notices. */
  async #follow(change: Change): Promise<void> {
    if (change.resync) return this.#loader.reloadAll();
    const notice = parseNoticeKey(change.key);
    if (!notice) {
      this.#onError(invalid('ignored a malformed key change notice'));
      return;
    }
    if (notice.feedId !== this.#feedId) return; // another OneGate's database on the same PostgreSQL
    if (notice.kind === 'shred') this.#cache.markShredded(notice.keyId); // at once, before the re-read
    // A subject's chain not in memory here has nothing to refresh: it is read when first used.
    if (purposeOf(notice.keyId) === 'subject' && !this.#cache.has(notice.keyId)) return;
    await this.#loader.load(notice.keyId);
  }
}

function subjectOf(keyId: string): string | undefined {
  return purposeOf(keyId) === 'subject' ? keyId.slice(SUBJECT_KEY_PREFIX.length) : undefined;
}
