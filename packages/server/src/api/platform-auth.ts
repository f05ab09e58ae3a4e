import type { Middleware } from 'koa';
import { requestCertificate, type Identity, type PlatformCaller } from '@onegate/identity';
import { ServerError } from '../errors.ts';
import type { ApiGuardState } from './api-rate-limits.ts';
import type { RequestState } from '../http/state.ts';
import { certificateThumbprint } from '../pki/index.ts';

export interface ApiState extends RequestState, ApiGuardState {
  caller: PlatformCaller;
}

/**
 * /api/v1 takes only OneGate's own JWT access tokens for the platform
 * resource (never an ID token, a logout token or a token for another
 * audience), and each route names the scope it needs (or a list, any one of
 * which will do). A certificate-bound token (`cnf.x5t#S256`, RFC 8705 §3)
 * counts only on a request that carries that very certificate.
 */
export function requireScope(identity: Identity, scope: string | readonly string[]): Middleware<ApiState> {
  const anyOf = typeof scope === 'string' ? [scope] : scope;
  return async (ctx, next) => {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(ctx.get('authorization'));
    if (!match) throw new ServerError('ERR_INVALID_TOKEN', 'a bearer access token is required');
    const caller = await identity.verifyPlatformToken(match[1]!).catch(() => {
      throw new ServerError('ERR_INVALID_TOKEN', 'the access token is not valid for this API');
    });
    if (
      caller.certificateThumbprint !== undefined &&
      !carriesCertificate(ctx.req, caller.certificateThumbprint)
    ) {
      throw new ServerError(
        'ERR_INVALID_TOKEN',
        'the access token is bound to a client certificate that this request does not present',
      );
    }
    // Known before the scope check, so a refusal can be audited with who was refused.
    ctx.state.caller = caller;
    // Every verified call counts, whatever it asks for: the app's rate limits (api-rate-limits.ts).
    await ctx.state.apiGuard?.(ctx, caller, anyOf);
    if (!anyOf.some((s) => caller.scopes.includes(s))) {
      throw new ServerError('ERR_INSUFFICIENT_SCOPE', `this endpoint needs the ${anyOf.join(' or ')} scope`);
    }
    await next();
  };
}

/**
 * The certificate the token was bound to, still usable. A self-signed client
 * certificate is "untrusted" by design (the token endpoint matched it against
 * the client's registered key); expired, not yet valid, revoked or malformed
 * ones never count.
 */
function carriesCertificate(req: Parameters<typeof requestCertificate>[0], thumbprint: string): boolean {
  const presented = requestCertificate(req);
  if (!presented) return false;
  if (presented.problem !== undefined && presented.problem !== 'untrusted') return false;
  // "untrusted" can also hide an expired self-signed certificate: its dates count all the same.
  const now = new Date();
  if (now > presented.certificate.validToDate || now < presented.certificate.validFromDate) return false;
  return certificateThumbprint(presented.certificate) === thumbprint;
}
