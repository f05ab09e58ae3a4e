import type { CipherAlgorithm } from '../field-types.ts';
import type { KeyPurpose } from './key-ids.ts';
import type { KeyState, StoredChain } from './keyring-tables.ts';

/** A key version as operators see it: state and dates, never key material. */
export interface KeyVersionInfo {
  version: number;
  algorithm: CipherAlgorithm;
  state: KeyState;
  /** The wrapped key was deleted: this version can never decrypt again. */
  destroyed: boolean;
  /** The KEK that wrapped it. */
  kekId: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface KeyChainInfo {
  keyId: string;
  purpose: KeyPurpose;
  /** What new versions use. */
  algorithm: CipherAlgorithm;
  /** Versions below this refuse to decrypt. */
  minVersion: number;
  primaryVersion: number | undefined;
  createdAt: Date;
  updatedAt: Date;
  versions: KeyVersionInfo[];
}

export function chainInfo({ chain, versions }: StoredChain): KeyChainInfo {
  return {
    keyId: chain.key_id,
    purpose: chain.purpose,
    algorithm: chain.algorithm,
    minVersion: chain.min_version,
    primaryVersion: versions.find((v) => v.state === 'primary')?.version,
    createdAt: new Date(chain.created_at),
    updatedAt: new Date(chain.updated_at),
    versions: versions.map((v) => ({
      version: v.version,
      algorithm: v.algorithm,
      state: v.state,
      destroyed: v.wrapped === null,
      kekId: v.kek_id,
      createdAt: new Date(v.created_at),
      updatedAt: new Date(v.updated_at),
    })),
  };
}

/** What `shred` did. */
export interface ShredResult {
  keyId: string;
  /** Wrapped key versions deleted by this call (0 when there was no key yet, or it was shredded before). */
  versionsDestroyed: number;
  /** It had been shredded before: nothing changed. */
  alreadyShredded: boolean;
}
