import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { LoginCore } from './login/login-core.ts';
import { readForm } from './login/form-body.ts';
import type { LoginRequest, Reply } from './login/http.ts';
import type { AcrLevel, AppSession, ExpressLogin } from './login/types.ts';

/** Sessions loaded per request, "none" included; gone with the request. */
const loaded = new WeakMap<Request, { session: AppSession | undefined }>();

/** The Express adapter: translates Express's request to the core's and writes its replies. */
export function expressLogin(core: LoginCore): ExpressLogin {
  const load = async (req: Request): Promise<AppSession | undefined> => {
    let entry = loaded.get(req);
    if (entry === undefined) {
      entry = { session: await core.session(request(req)) };
      loaded.set(req, entry);
    }
    return entry.session;
  };
  const guard =
    (level?: AcrLevel): RequestHandler =>
    (req: Request, res: Response, next: NextFunction) => {
      load(req)
        .then((session) => {
          const reply = core.guard(request(req), session, level);
          if (reply === undefined) next();
          else write(res, reply);
        })
        .catch(next);
    };
  return {
    routes: () => (req: Request, res: Response, next: NextFunction) => {
      const coreReq = request(req);
      const route = core.route(coreReq);
      const work =
        route === undefined
          ? load(req).then(() => next())
          : core.handle(coreReq, route).then((reply) => write(res, reply));
      work.catch(next);
    },
    requireLogin: () => guard(),
    requireAcr: (level) => guard(level),
    session(req) {
      const entry = loaded.get(req);
      return entry !== undefined ? entry.session : core.sessionSync(request(req));
    },
  };
}

function request(req: Request): LoginRequest {
  return {
    method: req.method,
    pathAndQuery: req.originalUrl,
    header: (name) => req.get(name),
    readForm: () => readForm(req, (req as { body?: unknown }).body),
  };
}

function write(res: Response, reply: Reply): void {
  res.status(reply.status);
  for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
  for (const cookie of reply.cookies) res.append('Set-Cookie', cookie);
  res.end(reply.body);
}
