import type { Transaction } from '@onegate/store';
import { invalid, keyNotFound } from './key-errors.ts';
import {
  destroyVersion,
  setVersionState,
  updateChain,
  type StoredChain,
  type VersionRow,
} from './keyring-tables.ts';

/**
 * The state changes an operator makes to a version or a chain, each worked
 * out against the chain as read inside its transaction. A plan either writes
 * and says what to audit, or is `undefined` (already so: nothing written, no
 * notice, no audit). Refusals throw before anything is written.
 */
export interface Plan {
  action: string;
  details: Record<string, unknown>;
  write(tx: Transaction, now: number): Promise<void>;
}

export function planRetire(stored: StoredChain, version: number): Plan | undefined {
  const v = findVersion(stored, version);
  if (v.state === 'primary') {
    throw invalid(`version ${version} is the primary of key "${v.key_id}": rotate it first, then retire it`);
  }
  if (v.state === 'retired') return undefined;
  return {
    action: 'privacy.key.retire',
    details: { version, previousState: v.state },
    write: (tx, now) => setVersionState(tx, v.key_id, version, 'retired', now),
  };
}

export function planReinstate(stored: StoredChain, version: number): Plan | undefined {
  const v = findVersion(stored, version);
  if (v.state !== 'retired') return undefined;
  if (v.wrapped === null)
    throw invalid(`version ${version} of key "${v.key_id}" was destroyed: it cannot return`);
  if (version < stored.chain.min_version) {
    throw invalid(
      `version ${version} of key "${v.key_id}" is below the minimum version ${stored.chain.min_version}: it cannot return`,
    );
  }
  return {
    action: 'privacy.key.reinstate',
    details: { version, state: 'decrypt-only' },
    write: (tx, now) => setVersionState(tx, v.key_id, version, 'decrypt-only', now),
  };
}

/** The minimum only rises (it is what stops old, possibly compromised versions coming back), and never past the primary. */
export function planMinVersion(stored: StoredChain, minVersion: number): Plan | undefined {
  const { chain, versions } = stored;
  const primary = versions.find((v) => v.state === 'primary');
  if (primary && minVersion > primary.version) {
    throw invalid(
      `a minimum version of ${minVersion} would retire the primary version ${primary.version} of key "${chain.key_id}": rotate first`,
    );
  }
  if (minVersion < chain.min_version) {
    throw invalid(
      `the minimum version of key "${chain.key_id}" is ${chain.min_version} and only rises: it cannot become ${minVersion}`,
    );
  }
  if (minVersion === chain.min_version) return undefined;
  return {
    action: 'privacy.key.min_version',
    details: { minVersion, previous: chain.min_version },
    write: (tx, now) => updateChain(tx, chain.key_id, { minVersion }, now),
  };
}

/** Deletes a retired version's wrapped key for good: key destruction at the end of its cryptoperiod. */
export function planDestroy(stored: StoredChain, version: number): Plan | undefined {
  const v = findVersion(stored, version);
  if (v.wrapped === null) return undefined;
  if (v.state !== 'retired') {
    throw invalid(`version ${version} of key "${v.key_id}" is ${v.state}: retire it before destroying it`);
  }
  return {
    action: 'privacy.key.destroy',
    details: { version },
    write: (tx, now) => destroyVersion(tx, v.key_id, version, now),
  };
}

function findVersion(stored: StoredChain, version: number): VersionRow {
  const v = stored.versions.find((row) => row.version === version);
  if (!v) throw keyNotFound(stored.chain.key_id, version);
  return v;
}
