export { IdentityError, type IdentityErrorCode } from './errors.ts';
export { Identity, identityMigrations, type IdentityOptions, type IdentitySettings } from './identity.ts';
export {
  identityServices,
  sealStoredData,
  type IdentityServices,
  type SealedDataUpgrade,
} from './services.ts';
export type { Account, DepartmentRole, IdentityAssurance } from './accounts/account.ts';
export type { AccountUpdate, NewAccount } from './accounts/account-service.ts';
export { identityEncryptedColumns } from './personal-data/encrypted-columns.ts';
export type { AuditEvent, AuditSink } from './audit/audit-sink.ts';
export type { ClientAuthMethod, ClientInput } from './clients/client-input.ts';
export type { CertificateBinding, TlsSubjectField } from './clients/client-tls.ts';
export type { ClientInfo, CreatedClient } from './clients/client-registry.ts';
export { PLATFORM_SCOPES, OIDC_SCOPES } from './clients/scopes.ts';
export { loadMasterKey, MASTER_KEY_ENV, type MasterKey } from './keys/master-key.ts';
export { SIGNING_ALGS, type SigningAlg } from './keys/signing-algorithms.ts';
export type { SigningKeyInfo, RotateResult } from './keys/signing-keys.ts';
export type { PlatformCaller } from './platform-token.ts';
export { ACR, acrLevel, type AcrValue } from './provider/acr.ts';
export { CONSOLE_CLIENT_ID, CONSOLE_PATH } from './console/console-client.ts';
export { consolePath, consoleReturnPath, type ConsoleSignIn } from './console/console-sign-in.ts';
export { html, raw, escapeHtml, type HtmlValue, type SafeHtml } from './pages/html.ts';
export { languageSwitch, languageSwitchUrl } from './pages/language-switch.ts';
export { LANGUAGE_NAMES } from './pages/messages.ts';
export { LANGUAGES, type Language } from './pages/negotiate-language.ts';
export { STYLESHEET_URL } from './pages/stylesheet.ts';
export { pageLanguage, pageSecurityHeaders } from './interactions/page-context.ts';
export { platformResource, PLATFORM_TOKEN_TTL_SECONDS } from './provider/platform-resource.ts';
export { ACCESS_TOKEN_TTL_SECONDS } from './provider/create-provider.ts';
export {
  CLIENT_CERTIFICATE,
  requestCertificate,
  setRequestCertificate,
  type ClientCertificate,
  type ClientCertificateProblem,
} from './provider/client-certificate.ts';
export { base32Decode, base32Encode, totpAt, verifyTotp } from './second-factors/totp.ts';
export type { TotpFactors } from './second-factors/totp-enrolment.ts';
export type { RecoveryCodes } from './second-factors/recovery-codes.ts';
export { maskEmail, maskIdNumber, maskPhone } from './account/mask.ts';
export type { DataAccessReader, LoggedAccess } from './account/data-access-reader.ts';
