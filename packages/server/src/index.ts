export { createApp, type AppDeps, type Extend } from './app.ts';
export { auditOrigin, createAudit, privacyMasker } from './audit-setup.ts';
export { startAuthz } from './authz-setup.ts';
export { loadConfig } from './config/load-config.ts';
export { settings, type Config, type SettingName } from './config/settings.ts';
export { ServerError, type ServerErrorCode } from './errors.ts';
export { toErrorResponse, type ErrorBody } from './http/error-response.ts';
export type { RequestState } from './http/state.ts';
export { createLogger, type Logger } from './logger.ts';
export { grantLeastPrivilege, type DatabaseRoles } from './db-grants.ts';
export { migrateAll, migrationSets } from './migrations.ts';
export {
  decryptAuthorizer,
  loadServerKeks,
  PREVIOUS_KEK_ENV,
  startKeyring,
  type ServerKeks,
} from './privacy-setup.ts';
export { exitOnSignals, startServer, type RunningServer, type StartOptions } from './server.ts';
export * from './pki/index.ts';
