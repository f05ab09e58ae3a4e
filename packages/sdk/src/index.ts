// @onegate/sdk: every public export is named here.
export { OneGateError, type OneGateErrorCode } from './errors.ts';
export { createLogin } from './login/create-login.ts';
export type { AcrLevel, AppSession, ExpressLogin, KoaLogin, Login, LoginOptions } from './login/types.ts';
export type { SessionStore } from './session/session-store.ts';
export { MemorySessionStore } from './session/memory-session-store.ts';
export { createPlatformClient, type PlatformClient } from './platform/create-platform-client.ts';
export type { AuditDropReason, AuditOptions, PlatformOptions } from './platform/options.ts';
export type { ApiErrorCause } from './platform/api-client.ts';
export type { AuthzCheck, AuthzClient, AuthzDecision } from './platform/authz-client.ts';
export type { AuditClient } from './platform/audit-client.ts';
export type { AuditEventInput } from './platform/audit-event.ts';
export type {
  BlindIndexItem,
  BlindIndexRequest,
  BlindIndexResponse,
  DecryptItem,
  DecryptRequest,
  DecryptResponse,
  DecryptResult,
  EncryptItem,
  EncryptRequest,
  EncryptResponse,
  FieldPlace,
  MaskItem,
  MaskProfile,
  MaskRequest,
  MaskResponse,
  PersonalDataKind,
  PrivacyClient,
  ValidateRequest,
  ValidateResponse,
} from './platform/privacy-client.ts';
