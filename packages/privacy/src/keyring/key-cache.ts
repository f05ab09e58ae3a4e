import type { CipherAlgorithm, DataKey } from '../field-types.ts';
import type { PrivacyError } from '../errors.ts';
import { keyNotFound, keyRetired, keyShredded } from './key-errors.ts';
import type { KeyPurpose } from './key-ids.ts';
import type { KeyState } from './keyring-tables.ts';

export interface CachedVersion {
  version: number;
  algorithm: CipherAlgorithm;
  state: KeyState;
  destroyed: boolean;
  kekId: string;
  /** What the key was unwrapped from: an unchanged row reuses `key` rather than unwrapping again. */
  wrapped: Buffer | undefined;
  /** Only for versions that may decrypt: retired, destroyed and below-minimum ones hold no key. */
  key: DataKey | undefined;
  /** Why this version could not be unwrapped (ERR_PRIVACY_KEK). */
  failure: PrivacyError | undefined;
}

export interface CachedChain {
  keyId: string;
  purpose: KeyPurpose;
  algorithm: CipherAlgorithm;
  minVersion: number;
  /** Versions below this were shredded. */
  firstVersion: number;
  primary: number | undefined;
  versions: Map<number, CachedVersion>;
}

/**
 * The unwrapped data keys, for synchronous lookups. Shared chains (columns,
 * the blind-index root) stay for the life of the process; per-subject chains
 * are kept least-recently-used up to a bound, so millions of subjects do not
 * all sit in memory. Shredded key ids are remembered (also bounded) so a
 * lookup can say "shredded" rather than "not found".
 */
export class KeyCache {
  readonly #shared = new Map<string, CachedChain>();
  readonly #subjects = new Map<string, CachedChain>();
  readonly #shredded = new Set<string>();
  readonly #maxSubjects: number;

  constructor(maxSubjects: number) {
    this.#maxSubjects = maxSubjects;
  }

  resolve(keyId: string, version: number): DataKey {
    const chain = this.chain(keyId);
    if (!chain) throw this.#shredded.has(keyId) ? keyShredded(keyId) : keyNotFound(keyId, version);
    if (version < chain.firstVersion) throw keyShredded(keyId);
    const entry = chain.versions.get(version);
    if (!entry) throw keyNotFound(keyId, version);
    if (entry.destroyed) throw keyRetired(keyId, version, 'was destroyed');
    if (entry.state === 'retired') throw keyRetired(keyId, version, 'is retired');
    if (version < chain.minVersion) {
      throw keyRetired(keyId, version, `is below the minimum version ${chain.minVersion}`);
    }
    if (entry.failure) throw entry.failure;
    return entry.key!;
  }

  /** The chain, refreshing a subject chain's place in the least-recently-used order. */
  chain(keyId: string): CachedChain | undefined {
    const shared = this.#shared.get(keyId);
    if (shared) return shared;
    const subject = this.#subjects.get(keyId);
    if (subject && this.#subjects.size > 1) {
      this.#subjects.delete(keyId);
      this.#subjects.set(keyId, subject);
    }
    return subject;
  }

  /** The chain without touching the least-recently-used order. */
  peek(keyId: string): CachedChain | undefined {
    return this.#shared.get(keyId) ?? this.#subjects.get(keyId);
  }

  isShredded(keyId: string): boolean {
    return this.#shredded.has(keyId);
  }

  has(keyId: string): boolean {
    return this.#shared.has(keyId) || this.#subjects.has(keyId);
  }

  put(chain: CachedChain): void {
    this.#shredded.delete(chain.keyId);
    if (chain.purpose !== 'subject') {
      this.#shared.set(chain.keyId, chain);
      return;
    }
    this.#subjects.delete(chain.keyId);
    this.#subjects.set(chain.keyId, chain);
    while (this.#subjects.size > this.#maxSubjects)
      this.#subjects.delete(this.#subjects.keys().next().value!);
  }

  /** Forgets the chain's keys at once (they are no longer referenced here). */
  drop(keyId: string): void {
    this.#shared.delete(keyId);
    this.#subjects.delete(keyId);
  }

  markShredded(keyId: string): void {
    this.drop(keyId);
    this.#shredded.delete(keyId);
    this.#shredded.add(keyId);
    // Oldest first: a forgotten one is found again in the store by `ensure`.
    while (this.#shredded.size > this.#maxSubjects)
      this.#shredded.delete(this.#shredded.values().next().value!);
  }

  /** Key ids to reload after missed changes. */
  cachedKeyIds(): string[] {
    return [...this.#shared.keys(), ...this.#subjects.keys()];
  }

  clear(): void {
    this.#shared.clear();
    this.#subjects.clear();
    this.#shredded.clear();
  }
}
