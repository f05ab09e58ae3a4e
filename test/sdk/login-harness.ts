import { createServer, type Server } from 'node:http';
import express from 'express';
import Koa from 'koa';
import { createLogin, type Login, type LoginOptions } from '@onegate/sdk';
import { freePort, type Platform } from '../e2e/support/platform.ts';

export const PASSWORD = 'correct horse battery staple 42';

/** A test app (Koa or Express) using the SDK, registered at OneGate with its own port. */
export interface TestApp {
  name: string;
  origin: string;
  clientId: string;
  login: Login;
  url(path: string): string;
  stop(): Promise<void>;
}

/**
 * Registers an app at OneGate and serves it with the SDK: `/` is public,
 * `/me` needs a session, `/secure` needs substantial, `POST /api/note` needs a
 * session, `/account` holds the sign-out form. Each app has its own cookie
 * name: browsers share cookies between ports of one host, as real ones do.
 */
export async function startApp(
  platform: Platform,
  name: string,
  kind: 'koa' | 'express',
  extra: { login?: Partial<LoginOptions>; backchannelLogoutUri?: string } = {},
): Promise<TestApp> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const { client, clientSecret } = await platform.server.identity.clients.add({
    name,
    redirectUris: [`${origin}/auth/callback`],
    postLogoutRedirectUris: [`${origin}/signed-out`],
    backchannelLogoutUri: extra.backchannelLogoutUri ?? `${origin}/auth/backchannel-logout`,
    scopes: ['openid', 'profile'],
    firstParty: true,
  });
  const login = await createLogin({
    issuer: platform.issuer,
    clientId: client.clientId,
    ...(clientSecret === undefined ? {} : { clientSecret }),
    redirectUri: `${origin}/auth/callback`,
    postLogoutRedirectUri: `${origin}/signed-out`,
    cookieSecret: `${name} cookie secret, at least 32 characters long`,
    cookieName: `${name}_session`,
    allowInsecureHttp: true,
    ...extra.login,
  });
  const server = kind === 'koa' ? koaServer(login) : expressServer(login);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    name,
    origin,
    clientId: client.clientId,
    login,
    url: (path) => `${origin}${path}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const ACCOUNT_PAGE = '<form method="post" action="/auth/logout"><button>Sign out</button></form>';

function koaServer(login: Login): Server {
  const app = new Koa();
  const view = (ctx: Koa.Context) => ({ session: login.koa.session(ctx) ?? null });
  const guarded =
    (guard: Koa.Middleware, body: (ctx: Koa.Context) => unknown) =>
    async (ctx: Koa.Context): Promise<void> => {
      await guard(ctx, async () => {
        ctx.body = body(ctx);
      });
    };
  const routes: Record<string, (ctx: Koa.Context) => Promise<void>> = {
    'GET /me': guarded(login.koa.requireLogin(), view),
    'GET /secure': guarded(login.koa.requireAcr('substantial'), view),
    'POST /secure': guarded(login.koa.requireAcr('substantial'), view),
    'POST /api/note': guarded(login.koa.requireLogin(), () => ({ saved: true })),
    'GET /account': async (ctx) => {
      ctx.type = 'html';
      ctx.body = ACCOUNT_PAGE;
    },
    'GET /': async (ctx) => void (ctx.body = view(ctx)),
    'GET /signed-out': async (ctx) => void (ctx.body = view(ctx)),
  };
  app.use(login.koa.routes());
  app.use(async (ctx, next) => {
    const route = routes[`${ctx.method} ${ctx.path}`];
    if (route === undefined) await next();
    else await route(ctx);
  });
  const handle = app.callback();
  return createServer((req, res) => void handle(req, res));
}

function expressServer(login: Login): Server {
  const app = express();
  app.use(login.express.routes());
  const view = (req: express.Request) => ({ session: login.express.session(req) ?? null });
  app.get('/me', login.express.requireLogin(), (req, res) => void res.json(view(req)));
  app.get('/secure', login.express.requireAcr('substantial'), (req, res) => void res.json(view(req)));
  app.post('/api/note', login.express.requireLogin(), (_req, res) => void res.json({ saved: true }));
  app.get('/account', (_req, res) => void res.type('html').send(ACCOUNT_PAGE));
  app.get(['/', '/signed-out'], (req, res) => void res.json(view(req)));
  return createServer((req, res) => void app(req, res));
}

/** fetch's options, with headers as a plain record. */
type Init = Omit<RequestInit, 'headers'> & { headers?: Record<string, string> };

export interface Page {
  url: string;
  status: number;
  body: string;
  headers: Headers;
  /** Every URL requested on the way, first to last. */
  hops: string[];
}

/**
 * A citizen's browser over HTTP: one cookie jar for every port of 127.0.0.1
 * (as browsers do), redirects followed, forms posted with the
 * `Sec-Fetch-Site` a browser computes and the `Origin: null` it sends under
 * OneGate's no-referrer policy.
 */
export class CitizenBrowser {
  readonly cookies = new Map<string, string>();

  async visit(url: string, stopAt?: string): Promise<Page> {
    return this.#follow(url, { method: 'GET' }, stopAt);
  }

  /** Submits the first form of `page` (hidden fields plus `fields`) and follows redirects. */
  async submit(page: Page, fields: Record<string, string> = {}, stopAt?: string): Promise<Page> {
    const match = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(page.body);
    if (!match) throw new Error(`no form on ${page.url}`);
    const hidden: Record<string, string> = {};
    for (const input of match[2]!.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1];
      if (name) hidden[name] = decode(/value="([^"]*)"/.exec(input[0])?.[1] ?? '');
    }
    const action = new URL(decode(match[1]!), page.url);
    const site = action.origin === new URL(page.url).origin ? 'same-origin' : 'cross-site';
    return this.#follow(
      action.href,
      {
        method: 'POST',
        body: new URLSearchParams({ ...hidden, ...fields }),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'null',
          'sec-fetch-site': site,
        },
      },
      stopAt,
    );
  }

  /** One request with this browser's cookies, no redirect followed. */
  async request(url: string, init: Init = {}): Promise<Page> {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { accept: 'text/html', ...init.headers, cookie: this.#cookieHeader() },
    });
    this.#store(res);
    return { url, status: res.status, body: await res.text(), headers: res.headers, hops: [url] };
  }

  async #follow(url: string, init: Init, stopAt?: string): Promise<Page> {
    const hops: string[] = [];
    let current = url;
    let request = init;
    for (let hop = 0; hop < 20; hop++) {
      hops.push(current);
      if (stopAt !== undefined && current.startsWith(stopAt)) {
        return { url: current, status: 0, body: '', headers: new Headers(), hops };
      }
      const page = await this.request(current, {
        ...request,
        headers: { 'accept-language': 'en', ...request.headers },
      });
      const location = page.headers.get('location');
      if (page.status >= 300 && page.status < 400 && location) {
        current = new URL(location, current).href;
        request = { method: 'GET' };
        continue;
      }
      return { ...page, hops };
    }
    throw new Error('too many redirects');
  }

  #cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** Signs in at OneGate's password page (the page a visit to a protected route landed on). */
export async function signIn(browser: CitizenBrowser, page: Page, username: string): Promise<Page> {
  if (!page.body.includes('name="password"'))
    throw new Error(`not a sign-in page: ${page.url} (${page.status})`);
  return browser.submit(page, { username, password: PASSWORD });
}

function decode(text: string): string {
  return text
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x2F;/g, '/');
}
