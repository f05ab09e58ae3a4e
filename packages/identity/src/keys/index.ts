export { seal, open } from './sealed-box.ts';
export {
  loadMasterKey,
  deriveKey,
  MASTER_KEY_ENV,
  MASTER_KEY_FILE,
  type LoadMasterKeyOptions,
  type MasterKey,
} from './master-key.ts';
export { jwkThumbprint } from './jwk-thumbprint.ts';
export { SIGNING_ALGS, isSigningAlg, type SigningAlg, type SigningJwk } from './signing-algorithms.ts';
export {
  SigningKeys,
  SIGNING_KEYS_TOPIC,
  type LoadedSigningKeys,
  type RotateResult,
  type SigningKeyInfo,
  type SigningKeyState,
  type SigningKeysOptions,
} from './signing-keys.ts';
export { identityKeysMigrations } from './key-migrations.ts';
