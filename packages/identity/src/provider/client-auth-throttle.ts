import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { AuditSink } from '../audit/audit-sink.ts';
import type { ClientAuthLimits, ClientAuthRefusal } from './client-auth-limits.ts';

/** oidc-provider's routes that authenticate the client, each with its error event. */
const CLIENT_AUTH_ROUTES: ReadonlyMap<string, string> = new Map([
  ['token', 'grant.error'],
  ['introspection', 'introspection.error'],
  ['revocation', 'revocation.error'],
  ['pushed_authorization_request', 'pushed_authorization_request.error'],
]);

/** The 429 answer, in oidc-provider's own error shape (`{error, error_description}`). */
class ClientAuthThrottled extends errors.OIDCProviderError {
  constructor() {
    super(429, 'temporarily_unavailable');
    this.error_description = 'too many failed client authentications; try again after the Retry-After time';
  }
}

/**
 * Refuses client authentication at the token, introspection, revocation and
 * PAR endpoints for a client or source address that has failed too often
 * (`ClientAuthLimits`), with 429 and `Retry-After`.
 *
 * The check sits in `Client.find` at the moment the provider looks up the
 * client it is about to authenticate: only then is the claimed client id
 * known, whichever way it came (Basic header, form, assertion `sub`), and no
 * secret has been compared yet. It costs two map look-ups, so successful
 * authentications are not slowed. Each block is audited once
 * (`client_auth.throttled`), at its first refusal; the provider's own error
 * event for a refused request is not emitted, so a flood of refused requests
 * cannot flood the audit log through the per-failure listeners.
 */
export function throttleClientAuth(
  provider: Provider,
  options: { limits: ClientAuthLimits; audit: AuditSink; onError: (err: unknown) => void },
): void {
  const { limits, audit, onError } = options;
  const Client = provider.Client;
  const find = Client.find.bind(Client);
  Client.find = async (id: string) => {
    // The request being handled, from oidc-provider's AsyncLocalStorage (not in its types).
    const ctx = (Provider as unknown as { ctx?: KoaContextWithOIDC }).ctx;
    const route = ctx?.oidc?.route;
    // The first look-up on these routes, before any client is known, is the one that authenticates.
    if (ctx && route !== undefined && CLIENT_AUTH_ROUTES.has(route) && ctx.oidc.client === undefined) {
      const refusal = limits.check(String(id), ctx.ip);
      if (refusal) {
        if (refusal.first)
          await audit.write(throttledEvent(ctx, route, String(id), refusal, limits)).catch(onError);
        ctx.set('Retry-After', String(refusal.retryAfterSeconds));
        throw new ClientAuthThrottled();
      }
    }
    return find(id);
  };

  for (const event of CLIENT_AUTH_ROUTES.values()) {
    provider.on(event as 'grant.error', (ctx: KoaContextWithOIDC, err: { error?: string }) => {
      if (err.error !== 'invalid_client') return;
      // Set only once the claimed id was found registered (oidc-provider sets it before checking credentials).
      limits.recordFailure(ctx.oidc?.client?.clientId, ctx.ip);
    });
  }

  const emit = provider.emit.bind(provider);
  provider.emit = (name: string | symbol, ...args: unknown[]) =>
    args[1] instanceof ClientAuthThrottled ? false : emit(name, ...args);
}

function throttledEvent(
  ctx: KoaContextWithOIDC,
  route: string,
  clientId: string,
  refusal: ClientAuthRefusal,
  limits: ClientAuthLimits,
): Parameters<AuditSink['write']>[0] {
  return {
    action: 'client_auth.throttled',
    outcome: 'denied',
    reason: 'too_many_failures',
    // Only a client that is registered is blocked as a client; by address, the id may be anything.
    ...(refusal.limit === 'client' ? { clientId } : {}),
    address: ctx.ip,
    details: {
      endpoint: route,
      limit: refusal.limit,
      failures: refusal.limit === 'client' ? limits.failuresPerClient : limits.failuresPerAddress,
      window_seconds: limits.windowSeconds,
      retry_after_seconds: refusal.retryAfterSeconds,
    },
  };
}
