import type { Middleware } from 'koa';
import type { Identity, PlatformCaller } from '@onegate/identity';
import { ServerError } from '../errors.ts';
import type { RequestState } from '../http/state.ts';

export interface ApiState extends RequestState {
  caller: PlatformCaller;
}

/**
 * /api/v1 takes only OneGate's own JWT access tokens for the platform
 * resource (never an ID token, a logout token or a token for another
 * audience), and each route names the scope it needs (or a list, any one of
 * which will do).
 */
export function requireScope(identity: Identity, scope: string | readonly string[]): Middleware<ApiState> {
  const anyOf = typeof scope === 'string' ? [scope] : scope;
  return async (ctx, next) => {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(ctx.get('authorization'));
    if (!match) throw new ServerError('ERR_INVALID_TOKEN', 'a bearer access token is required');
    const caller = await identity.verifyPlatformToken(match[1]!).catch(() => {
      throw new ServerError('ERR_INVALID_TOKEN', 'the access token is not valid for this API');
    });
    if (!anyOf.some((s) => caller.scopes.includes(s))) {
      throw new ServerError('ERR_INSUFFICIENT_SCOPE', `this endpoint needs the ${anyOf.join(' or ')} scope`);
    }
    ctx.state.caller = caller;
    await next();
  };
}
