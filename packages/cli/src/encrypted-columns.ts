import { identityEncryptedColumns } from '@onegate/identity';
import type { EncryptedColumn } from '@onegate/privacy';

/**
 * Every column of OneGate's own store that holds field envelopes, with the
 * key chain it is sealed under: what `onegate privacy keys rewrap <keyId>`
 * walks. Each package that seals columns under a keyring key exports its
 * list; a new one is added here.
 */
export function ownEncryptedColumns(): readonly EncryptedColumn[] {
  return [...identityEncryptedColumns];
}
