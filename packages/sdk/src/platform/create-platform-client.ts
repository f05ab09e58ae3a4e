import { ApiClient } from './api-client.ts';
import { createAuditClient, type AuditClient } from './audit-client.ts';
import { createAuthzClient, type AuthzClient } from './authz-client.ts';
import { resolveOptions, type PlatformOptions } from './options.ts';
import { createPrivacyClient, type PrivacyClient } from './privacy-client.ts';
import { TokenSource } from './token-source.ts';

/** The clients of OneGate's platform APIs, sharing one token source. */
export interface PlatformClient {
  authz: AuthzClient;
  audit: AuditClient;
  privacy: PrivacyClient;
  /** Flushes the audit queue and stops its sender (see `audit.close`). */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Clients for `/api/v1` (authorization, audit, privacy) of a service client
 * registered in OneGate, authenticated with client credentials: tokens come
 * from the discovered token endpoint, are cached until 30 s before they
 * expire, and a call answered `401 invalid_token` is repeated once with a new
 * one. Discovery happens on first use, so creating the client never waits
 * and never fails because OneGate is down.
 *
 * ```ts
 * const platform = createPlatformClient({
 *   issuer: 'https://onegate.gov.example',
 *   clientId: process.env.ONEGATE_CLIENT_ID!,
 *   clientSecret: process.env.ONEGATE_CLIENT_SECRET!,
 * });
 * const { allowed } = await platform.authz.check({ subject: sub, action: 'read', resource, acr });
 * ```
 *
 * With a client certificate (RFC 8705), pass `tlsClientAuth: true` and a
 * `fetch` whose dispatcher presents it (undici `Agent` with `connect: {cert, key, ca}`).
 *
 * @throws OneGateError `ERR_API_CONFIG` for bad options.
 */
export function createPlatformClient(options: PlatformOptions): PlatformClient {
  const resolved = resolveOptions(options);
  const api = new ApiClient(resolved, new TokenSource(resolved));
  const audit = createAuditClient(api, resolved.audit);
  return {
    authz: createAuthzClient(api, resolved.authzCacheTtlMs, resolved.authzCacheSize),
    audit,
    privacy: createPrivacyClient(api),
    close: (timeoutMs) => audit.close(timeoutMs),
  };
}
