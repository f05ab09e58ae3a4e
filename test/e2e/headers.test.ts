import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from './support/platform.ts';

const PASSWORD = 'a long passphrase 2026';
const APP_ORIGIN = 'http://127.0.0.1:9';
const REDIRECT_URI = `${APP_ORIGIN}/social-security/callback`;
const PUBLIC_ISSUER = 'https://id.example.test';

interface Hop {
  url: string;
  status: number;
  headers: Headers;
  body: string;
}

interface SetCookie {
  name: string;
  value: string;
  /** Attribute names in lower case; flags map to ''. */
  attributes: Map<string, string>;
  line: string;
}

/**
 * A browser as OneGate sees it: it believes the site is `origin` and reaches it
 * at `upstream`, through a TLS-terminating proxy when `forwarded` headers are
 * given. Records every Set-Cookie line it receives.
 */
class RecordingBrowser {
  readonly cookies: SetCookie[] = [];
  readonly #jar = new Map<string, string>();

  readonly origin: string;
  readonly upstream: string;
  readonly forwarded: Record<string, string>;

  constructor(origin: string, upstream: string, forwarded: Record<string, string> = {}) {
    this.origin = origin;
    this.upstream = upstream;
    this.forwarded = forwarded;
  }

  /** Follows redirects while they stay on this site; a hop leaving it is returned unvisited (status 0). */
  async follow(url: string, post?: URLSearchParams): Promise<Hop> {
    let current = url;
    let body = post;
    for (let hop = 0; hop < 20; hop++) {
      if (!current.startsWith(`${this.origin}/`))
        return { url: current, status: 0, headers: new Headers(), body: '' };
      const res = await fetch(this.upstream + current.slice(this.origin.length), {
        method: body ? 'POST' : 'GET',
        body,
        redirect: 'manual',
        headers: {
          ...this.forwarded,
          accept: 'text/html',
          'accept-language': 'en',
          cookie: [...this.#jar].map(([name, value]) => `${name}=${value}`).join('; '),
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded', origin: this.origin } : {}),
        },
      });
      for (const line of res.headers.getSetCookie()) this.#store(parseSetCookie(line));
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        current = new URL(location, current).toString();
        body = undefined;
        continue;
      }
      return { url: current, status: res.status, headers: res.headers, body: await res.text() };
    }
    throw new Error('too many redirects');
  }

  #store(cookie: SetCookie): void {
    this.cookies.push(cookie);
    if (cookie.value === '') this.#jar.delete(cookie.name);
    else this.#jar.set(cookie.name, cookie.value);
  }
}

function parseSetCookie(line: string): SetCookie {
  const [pair = '', ...rest] = line.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const [key = '', ...value] = part.split('=');
    attributes.set(key.trim().toLowerCase(), value.join('=').trim());
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes, line };
}

function decode(text: string): string {
  return text
    .replace(/&#x2F;/g, '/')
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"');
}

/** Opens the app's sign-in, switches the page to English, signs in; returns the login page and the last hop. */
async function signIn(browser: RecordingBrowser, clientId: string): Promise<{ login: Hop; end: Hop }> {
  const authorize = `${browser.origin}/auth?${new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: REDIRECT_URI,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGUSbOVEYc',
    code_challenge_method: 'S256',
    state: 'x',
  }).toString()}`;
  const first = await browser.follow(authorize);
  expect(first.status).toBe(200);
  const login = await browser.follow(`${first.url}?lang=en`);
  expect(login.body).toContain('<html lang="en">');
  const action = /<form method="post" action="([^"]*)"/.exec(login.body)?.[1];
  const csrf = /name="csrf" value="([^"]*)"/.exec(login.body)?.[1];
  if (!action || !csrf) throw new Error(`no sign-in form on ${login.url}`);
  const end = await browser.follow(
    new URL(decode(action), login.url).toString(),
    new URLSearchParams({ csrf: decode(csrf), username: 'li.wei', password: PASSWORD }),
  );
  return { login, end };
}

/** Every Set-Cookie line, named, for a readable failure. */
const lines = (cookies: SetCookie[]) => cookies.map((c) => c.line);

async function registerApp(platform: Platform): Promise<string> {
  const { client } = await platform.server.identity.clients.add({
    name: '社会保障',
    redirectUris: [REDIRECT_URI],
    scopes: ['openid'],
    firstParty: true,
  });
  await platform.server.identity.accounts.create({ username: 'li.wei', password: PASSWORD });
  return client.clientId;
}

describe('headers and cookies over the plain-HTTP development issuer', () => {
  let platform: Platform;
  let browser: RecordingBrowser;
  let login: Hop;
  let end: Hop;
  let clientId: string;

  beforeAll(async () => {
    platform = await startPlatform('sqlite');
    clientId = await registerApp(platform);
    browser = new RecordingBrowser(platform.issuer, platform.issuer);
    ({ login, end } = await signIn(browser, clientId));
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('serves the login page with a strict CSP naming only itself and the app as form targets', () => {
    expect(login.status).toBe(200);
    expect(login.headers.get('content-security-policy')).toBe(
      `default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self' ${APP_ORIGIN}; frame-ancestors 'none'; base-uri 'none'`,
    );
    expect(login.headers.get('x-frame-options')).toBe('DENY');
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(login.headers.get('referrer-policy')).toBe('no-referrer');
    expect(login.headers.get('x-content-type-options')).toBe('nosniff');
    expect(login.headers.get('content-type')).toBe('text/html; charset=utf-8');
    // HSTS over plain HTTP would be ignored by browsers; it is sent only for an https issuer.
    expect(login.headers.get('strict-transport-security')).toBeNull();
  });

  it('lets the one inline script of a form_post answer run, by its hash, and no base URL be set (ASVS 3.4.3)', async () => {
    // prompt=none without a session: the error goes back to the app as an auto-submitted form.
    const res = await fetch(
      `${platform.issuer}/auth?${new URLSearchParams({
        client_id: clientId,
        response_type: 'code',
        response_mode: 'form_post',
        scope: 'openid',
        redirect_uri: REDIRECT_URI,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGUSbOVEYc',
        code_challenge_method: 'S256',
        prompt: 'none',
        state: 'x',
      }).toString()}`,
    );
    const body = await res.text();
    expect(body).toContain('name="error" value="login_required"');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("base-uri 'none'");
    const script = /<script>([\s\S]*?)<\/script>/.exec(body)![1]!;
    const hash = createHash('sha256').update(script).digest('base64');
    expect(csp).toMatch(new RegExp(`script-src [^;]*'sha256-${hash.replace(/[+/=]/g, '\\$&')}'`));
  });

  it('has no inline script or style on the login page, which the CSP would block', () => {
    // Only our own script files (passkey ceremonies); nothing inline.
    expect(
      login.body.replace(/<script src="\/assets\/(webauthn|passkeys)\.js" defer><\/script>/g, ''),
    ).not.toMatch(/<script/i);
    expect(login.body).not.toMatch(/\sstyle=/i);
    expect(login.body).not.toMatch(/<style/i);
  });

  it('signs in and returns to the app with a code', () => {
    expect(end.status).toBe(0);
    expect(end.url.startsWith(`${REDIRECT_URI}?`)).toBe(true);
    expect(new URL(end.url).searchParams.get('code')).toBeTruthy();
  });

  it('sets only HttpOnly, SameSite=Lax cookies without Secure (a browser would drop Secure ones over http)', () => {
    const names = new Set(browser.cookies.map((c) => c.name));
    expect([...names]).toEqual(
      expect.arrayContaining(['og_interaction', 'og_resume', 'og_session', 'onegate_lang']),
    );
    for (const cookie of browser.cookies) {
      expect(cookie.attributes.has('httponly'), cookie.line).toBe(true);
      expect(cookie.attributes.get('samesite'), cookie.line).toBe('lax');
      expect(cookie.attributes.has('secure'), cookie.line).toBe(false);
      expect(cookie.attributes.has('domain'), cookie.line).toBe(false);
      expect(cookie.name.startsWith('__'), cookie.line).toBe(false);
    }
  });
});

describe('headers and cookies with an https issuer behind a TLS-terminating proxy', () => {
  let platform: Platform;
  let browser: RecordingBrowser;
  let login: Hop;
  let end: Hop;

  beforeAll(async () => {
    // startPlatform sets ONEGATE_ISSUER to the local address first; these override it.
    platform = await startPlatform('sqlite', { ONEGATE_ISSUER: PUBLIC_ISSUER, ONEGATE_TRUST_PROXY: 'true' });
    const clientId = await registerApp(platform);
    browser = new RecordingBrowser(PUBLIC_ISSUER, platform.issuer, {
      'x-forwarded-proto': 'https',
      'x-forwarded-host': new URL(PUBLIC_ISSUER).host,
      'x-forwarded-for': '203.0.113.7',
    });
    ({ login, end } = await signIn(browser, clientId));
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('signs in through the proxy and returns to the app with a code from the public issuer', () => {
    expect(login.status).toBe(200);
    expect(end.url.startsWith(`${REDIRECT_URI}?`)).toBe(true);
    const query = new URL(end.url).searchParams;
    expect(query.get('code')).toBeTruthy();
    expect(query.get('iss')).toBe(PUBLIC_ISSUER);
  });

  it('sends HSTS for at least a year and the same page headers', () => {
    const hsts = login.headers.get('strict-transport-security') ?? '';
    expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(31_536_000);
    expect(login.headers.get('content-security-policy')).toContain(`form-action 'self' ${APP_ORIGIN};`);
    expect(login.headers.get('x-frame-options')).toBe('DENY');
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(login.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('sets only Secure, HttpOnly, host-only cookies', () => {
    expect(browser.cookies.length).toBeGreaterThan(0);
    for (const cookie of browser.cookies) {
      expect(cookie.attributes.has('secure'), cookie.line).toBe(true);
      expect(cookie.attributes.has('httponly'), cookie.line).toBe(true);
      expect(cookie.attributes.has('domain'), cookie.line).toBe(false);
    }
  });

  it('keeps the session in a __Host- cookie for the whole site, SameSite=None for cross-site form posts', () => {
    const sessions = browser.cookies.filter((c) => c.name === '__Host-og_session');
    expect(sessions.length, lines(browser.cookies).join('\n')).toBeGreaterThan(0);
    for (const cookie of sessions) {
      expect(cookie.attributes.get('path'), cookie.line).toBe('/');
      expect(cookie.attributes.get('samesite'), cookie.line).toBe('none');
    }
  });

  it('gives every sign-in cookie a prefix the browser accepts: __Host- only with Path=/', () => {
    // A browser silently drops a __Host- cookie whose Path is not `/` (RFC 6265bis 4.1.3.2), and
    // with it the sign-in in progress. Path-scoped cookies must use __Secure- instead.
    const signInCookies = browser.cookies.filter((c) => !c.name.includes('onegate_lang'));
    for (const cookie of browser.cookies) {
      expect(cookie.name, cookie.line).toMatch(/^__(Host-og_|Secure-og_|Host-onegate_lang)/);
      if (cookie.name.startsWith('__Host-')) expect(cookie.attributes.get('path'), cookie.line).toBe('/');
    }
    expect(signInCookies.map((c) => c.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/og_interaction$/), expect.stringMatching(/og_resume$/)]),
    );
  });

  it('keeps the language in a __Host- cookie too, since the proxy says the request was https', () => {
    const lang = browser.cookies.find((c) => c.name === '__Host-onegate_lang');
    expect(lang?.value).toBe('en');
    expect(lang?.attributes.has('secure'), lang?.line).toBe(true);
    expect(lang?.attributes.get('path'), lang?.line).toBe('/');
  });
});
