/** Scopes of the platform APIs under /api/v1 (client-credentials only). */
export const PLATFORM_SCOPES = [
  'audit:write',
  'audit:read',
  'authz:check',
  'authz:admin',
  'privacy:encrypt',
  'privacy:decrypt',
  'admin',
] as const;

/** Scopes a sign-in app may ask for on behalf of a citizen. */
export const OIDC_SCOPES = [
  'openid',
  'profile',
  'email',
  'phone',
  'offline_access',
  'identity_assurance',
  'departments',
] as const;

export const DEFAULT_APP_SCOPES = ['openid', 'profile', 'email', 'phone', 'offline_access'];

export function isPlatformScope(scope: string): boolean {
  return (PLATFORM_SCOPES as readonly string[]).includes(scope);
}

export function isOidcScope(scope: string): boolean {
  return (OIDC_SCOPES as readonly string[]).includes(scope);
}
