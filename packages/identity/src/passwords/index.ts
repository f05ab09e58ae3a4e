export { MINIMUM_HASH_PARAMS, PasswordHasher, type PasswordHashParams } from './password-hasher.ts';
export {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  assertPasswordPolicy,
  checkPasswordPolicy,
  isCommonPassword,
  type PasswordIdentifiers,
  type PasswordPolicyReason,
} from './password-policy.ts';
export {
  DEFAULT_LOGIN_THROTTLE_POLICY,
  LoginThrottle,
  addressBucket,
  throttleMigrations,
  type LoginAttemptInput,
  type LoginFailureOutcome,
  type LoginThrottlePolicy,
  type ThrottleDecision,
  type ThrottleReason,
} from './login-throttle.ts';
