export * from './errors.ts';
export * from './field-types.ts';
export { openField, openFieldText, readHeader, sealField } from './ciphers/field-cipher.ts';
export { isKeyId, isKeyVersion, MAX_FIELD_BYTES } from './ciphers/envelope.ts';
export {
  blindIndex,
  DEFAULT_INDEX_BITS,
  type BlindIndexAlgorithm,
  type BlindIndexOptions,
} from './blind-index/blind-index.ts';
export { columnIndexKey, type IndexHash } from './blind-index/column-key.ts';
export { columnIndexer, type ColumnIndexerOptions } from './blind-index/column-indexer.ts';
export { privacyMigrations } from './privacy-migrations.ts';
export type { KeyEncryptionKey } from './keyring/kek.ts';
export { LocalKek } from './keyring/kek.ts';
export {
  createLocalKek,
  kekFromBase64,
  loadKek,
  loadLocalKek,
  PRIVACY_KEK_ENV,
  PRIVACY_KEK_FILE,
  type LoadedKek,
} from './keyring/kek-file.ts';
export type { KeyAuditEvent, KeyAuditSink } from './keyring/key-audit.ts';
export { BLIND_INDEX_ROOT_KEY_ID, SUBJECT_KEY_PREFIX, type KeyPurpose } from './keyring/key-ids.ts';
export type { KeyState } from './keyring/keyring-tables.ts';
export type { KeyChainInfo, KeyVersionInfo, ShredResult } from './keyring/keyring-info.ts';
export { Keyring, type KeyringOptions } from './keyring/keyring.ts';
export { SubjectKeys, subjectKeyId } from './keyring/subject-keys.ts';
export { rewrapColumn, rewrapStatus, type RewrapColumnOptions, type RewrapResult } from './keyring/rewrap.ts';
export type { RewrapProgressRow } from './keyring/rewrap-progress.ts';
export type { KekRewrapResult } from './keyring/kek-rotation.ts';
export {
  CREDIT_CODE_ALPHABET,
  creditCodeCheckCharacter,
  isLuhnValid,
  isPersonalDataKind,
  normalize,
  normalizeBankCard,
  normalizeCreditCode,
  normalizeEmail,
  normalizeMobile,
  normalizeResidentId,
  normalizerFor,
  PERSONAL_DATA_KINDS,
  residentIdCheckCharacter,
  validate,
  validateBankCard,
  validateCreditCode,
  validateEmail,
  validateMobile,
  validateResidentId,
  type AnyValidation,
  type BankCardDetails,
  type CardNetwork,
  type CreditCodeDetails,
  type EmailDetails,
  type MobileDetails,
  type PersonalDataKind,
  type ResidentIdDetails,
  type ResidentIdOptions,
  type ValidateOptions,
  type Validation,
  type ValidationFailure,
  type ValidationReason,
} from './validators/index.ts';
export {
  COMPOUND_SURNAMES,
  isMaskProfile,
  mask,
  MASK_PROFILES,
  type CustomMaskRule,
  type MaskOptions,
  type MaskProfile,
} from './masking/index.ts';
export {
  detectJson,
  detectText,
  isEnvelope,
  MAX_JSON_DEPTH,
  mayHoldPersonalData,
  redact,
  redactJson,
  redactText,
  type DetectKind,
  type DetectOptions,
  type JsonFinding,
  type JsonValue,
  type RedactOptions,
  type TextFinding,
} from './detect/index.ts';
export { MAX_ITEMS, type FieldAddress } from './service/api-input.ts';
export {
  DECRYPT_SCOPE,
  ENCRYPT_SCOPE,
  type DecryptAuthorizer,
  type DecryptCheck,
  type DecryptVerdict,
  type PrivacyCaller,
} from './service/decrypt-governance.ts';
export {
  PrivacyService,
  type DecryptResult,
  type EncryptResult,
  type ItemError,
  type PrivacyServiceOptions,
} from './service/privacy-service.ts';
export {
  ACR_LEVELS,
  DecryptLimits,
  type AcrLevel,
  type DecryptLimitOptions,
} from './service/decrypt-limits.ts';
export {
  createSecretKeyFile,
  parseSecretKeyText,
  readSecretKeyFile,
  type KeyFileFailure,
} from './keyring/secret-key-file.ts';
