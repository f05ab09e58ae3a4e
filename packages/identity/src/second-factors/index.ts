export {
  TOTP_DIGITS,
  TOTP_PERIOD_SECONDS,
  TOTP_SECRET_BYTES,
  base32Decode,
  base32Encode,
  generateTotpSecret,
  hotp,
  otpauthUri,
  totpAt,
  totpStep,
  verifyTotp,
  type OtpauthUriInput,
  type TotpAlgorithm,
  type TotpOptions,
  type TotpVerification,
  type VerifyTotpOptions,
} from './totp.ts';
export {
  TotpFactors,
  totpMigrations,
  type TotpEnrolment,
  type TotpFactorsOptions,
} from './totp-enrolment.ts';
export {
  RECOVERY_CODE_COUNT,
  RecoveryCodes,
  recoveryCodeMigrations,
  type RecoveryCodesOptions,
} from './recovery-codes.ts';
export {
  Passkeys,
  passkeyMigrations,
  type PasskeyAccount,
  type PasskeyAuthentication,
  type PasskeySummary,
  type PasskeysOptions,
  type RegisteredPasskey,
} from './passkeys.ts';
