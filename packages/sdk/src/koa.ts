import type { Context, Middleware, Next } from 'koa';
import type { LoginCore } from './login/login-core.ts';
import { readForm } from './login/form-body.ts';
import type { LoginRequest, Reply } from './login/http.ts';
import type { AcrLevel, AppSession, KoaLogin } from './login/types.ts';

/** Where a request's session is kept once loaded: `{ session }`, so "none" is cached too. */
const LOADED = Symbol('onegate.session');

interface Loaded {
  [LOADED]?: { session: AppSession | undefined };
}

/** The Koa adapter: translates Koa's context to the core's request and writes its replies. */
export function koaLogin(core: LoginCore): KoaLogin {
  const load = async (ctx: Context): Promise<AppSession | undefined> => {
    const state = ctx.state as Loaded;
    state[LOADED] ??= { session: await core.session(request(ctx)) };
    return state[LOADED].session;
  };
  const guard =
    (level?: AcrLevel): Middleware =>
    async (ctx: Context, next: Next) => {
      const reply = core.guard(request(ctx), await load(ctx), level);
      if (reply === undefined) await next();
      else write(ctx, reply);
    };
  return {
    routes: () => async (ctx: Context, next: Next) => {
      const req = request(ctx);
      const route = core.route(req);
      if (route !== undefined) {
        write(ctx, await core.handle(req, route));
        return;
      }
      await load(ctx);
      await next();
    },
    requireLogin: () => guard(),
    requireAcr: (level) => guard(level),
    session(ctx) {
      const loaded = (ctx.state as Loaded)[LOADED];
      return loaded !== undefined ? loaded.session : core.sessionSync(request(ctx));
    },
  };
}

function request(ctx: Context): LoginRequest {
  return {
    method: ctx.method,
    pathAndQuery: ctx.originalUrl,
    header: (name) => {
      const value = ctx.get(name);
      return value === '' ? undefined : value;
    },
    readForm: () => readForm(ctx.req, (ctx.request as { body?: unknown }).body),
  };
}

function write(ctx: Context, reply: Reply): void {
  ctx.status = reply.status;
  for (const [name, value] of Object.entries(reply.headers)) ctx.set(name, value);
  for (const cookie of reply.cookies) ctx.append('Set-Cookie', cookie);
  ctx.body = reply.body;
}
