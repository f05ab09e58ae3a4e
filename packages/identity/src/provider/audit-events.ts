import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AuditEvent, AuditSink } from '../audit/audit-sink.ts';
import { deliveryFailure, refusedTarget, type BackchannelRetries } from './backchannel-retries.ts';
import { certificateProblem, TLS_AUTH_METHODS } from './mtls.ts';
import { CLEAR_SITE_DATA } from './provider-pages.ts';

type Report = (event: AuditEvent) => void;

/**
 * For a TLS-authenticated client refused at the token endpoint: its method and what
 * was wrong with the certificate. Never the certificate itself.
 */
function mtlsFailure(ctx: KoaContextWithOIDC, err: { error?: string }): Record<string, string> {
  const method = ctx.oidc?.client?.clientAuthMethod;
  if (err.error !== 'invalid_client' || method === undefined || !TLS_AUTH_METHODS.includes(method)) return {};
  const problem = certificateProblem(ctx);
  return {
    token_endpoint_auth_method: method,
    ...(problem === undefined ? {} : { certificate_problem: problem }),
  };
}

/**
 * Audit events come from what oidc-provider emits, not from code sprinkled in
 * handlers. Writes are not awaited by the provider's emitter, so a failed
 * write is reported to `onError` (the server logs it) rather than lost silently.
 */
export function auditProviderEvents(
  provider: Provider,
  options: { audit: AuditSink; retries: BackchannelRetries; onError: (err: unknown) => void },
): void {
  const report: Report = (event) => {
    options.audit.write(event).catch(options.onError);
  };
  const from = (ctx: KoaContextWithOIDC) => ({
    clientId: ctx.oidc?.client?.clientId,
    address: ctx.ip,
  });

  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const accountId = ctx.oidc.entities.Account?.accountId;
    report({
      ...from(ctx),
      action: 'token.issue',
      outcome: 'success',
      actor: accountId ?? ctx.oidc.client?.clientId,
      subject: accountId,
      details: { grant_type: ctx.oidc.params?.['grant_type'] },
    });
  });

  // One event per failed token request: oidc-provider emits grant.error once, client
  // authentication failures (invalid_client) included.
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: { error?: string }) => {
    const reused = ctx.oidc?.entities.RefreshToken?.consumed;
    report({
      ...from(ctx),
      action: reused ? 'refresh_token.reuse' : 'token.issue',
      outcome: reused ? 'denied' : 'failure',
      subject: ctx.oidc?.entities.RefreshToken?.accountId,
      reason: reused ? 'grant_revoked' : err.error,
      details: { grant_type: ctx.oidc?.params?.['grant_type'], ...mtlsFailure(ctx, err) },
    });
  });

  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    report({ ...from(ctx), action: 'grant.revoke', outcome: 'success', details: { grantId } });
  });

  for (const kind of ['access_token', 'refresh_token'] as const) {
    (
      provider.on as (
        event: string,
        listener: (token: { clientId?: string; accountId?: string }) => void,
      ) => void
    )(`${kind}.destroyed`, (token) => {
      report({
        action: 'token.revoke',
        outcome: 'success',
        clientId: token.clientId,
        subject: token.accountId,
        details: { kind },
      });
    });
  }

  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    // On the redirect back to the app, too: the browser clears OneGate's origin as it leaves.
    ctx.set('clear-site-data', CLEAR_SITE_DATA);
    const accountId = ctx.oidc.session?.accountId;
    report({ ...from(ctx), action: 'logout', outcome: 'success', actor: accountId, subject: accountId });
  });

  provider.on(
    'backchannel.success',
    (ctx: KoaContextWithOIDC, client: { clientId: string }, accountId: string, sid: string) => {
      report({
        ...from(ctx),
        action: 'logout.backchannel',
        outcome: 'success',
        clientId: client.clientId,
        subject: accountId,
        sessionId: sid,
      });
    },
  );

  provider.on(
    'backchannel.error',
    (ctx: KoaContextWithOIDC, err: unknown, client: { clientId: string }, accountId: string, sid: string) => {
      const refused = refusedTarget(err);
      report({
        ...from(ctx),
        action: 'logout.backchannel',
        outcome: 'failure',
        clientId: client.clientId,
        subject: accountId,
        sessionId: sid,
        reason: refused ? 'target_refused' : 'will_retry',
        details: { attempt: 1, cause: deliveryFailure(err) },
      });
      if (!refused) options.retries.enqueue(client.clientId, accountId, sid).catch(options.onError);
    },
  );

  provider.on('server_error', (_ctx: KoaContextWithOIDC, err: unknown) => options.onError(err));
}
