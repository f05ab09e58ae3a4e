import { createHmac } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from './start-test-server.ts';

export const OFFICER_PASSWORD = 'correct horse battery staple 42';

/**
 * RFC 6238 as an authenticator app computes it, written apart from OneGate's
 * own code so the tests check it against the RFC.
 */
export function totp(secretBase32: string, timeMs = Date.now()): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secretBase32.replace(/=+$/, '').toUpperCase()) {
    bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  }
  const secret = Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(timeMs / 30_000)));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

export interface Page {
  url: string;
  status: number;
  body: string;
  headers: Headers;
}

/** A browser over HTTP: a cookie jar, redirects followed by hand, form posts as a same-origin page sends them. */
export class ConsoleBrowser {
  readonly #cookies = new Map<string, string>();
  readonly lang: string;

  constructor(lang = 'en') {
    this.lang = lang;
  }

  /** GET, following redirects unless `follow` is false. */
  get(url: string, follow = true): Promise<Page> {
    return this.#go(url, { method: 'GET' }, follow);
  }

  /** A form post (url-encoded), following redirects unless `follow` is false. */
  post(
    url: string,
    fields: Record<string, string>,
    follow = true,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    return this.#go(
      url,
      {
        method: 'POST',
        body: new URLSearchParams(fields).toString(),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: 'null',
          'sec-fetch-site': 'same-origin',
          ...headers,
        },
      },
      follow,
    );
  }

  /** Submits the form whose action starts with `action` on `page`, with its hidden fields plus `fields`. */
  submit(page: Page, fields: Record<string, string>, action?: string): Promise<Page> {
    const form = forms(page.body).find((f) => action === undefined || f.action.startsWith(action));
    if (!form) throw new Error(`no form${action ? ` for ${action}` : ''} on ${page.url}`);
    return this.post(new URL(form.action, page.url).toString(), { ...form.hidden, ...fields });
  }

  async #go(
    url: string,
    init: { method: string; body?: string; headers?: Record<string, string> },
    follow: boolean,
  ): Promise<Page> {
    let current = url;
    let request = init;
    for (let hop = 0; hop < 20; hop++) {
      const res = await fetch(current, {
        ...request,
        redirect: 'manual',
        headers: {
          ...request.headers,
          cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          accept: 'text/html',
          'accept-language': this.lang,
        },
      });
      for (const line of res.headers.getSetCookie()) {
        const [pair = ''] = line.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.#cookies.delete(name);
        else this.#cookies.set(name, value);
      }
      const location = res.headers.get('location');
      if (follow && res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        current = new URL(location, current).toString();
        request = { method: 'GET' };
        continue;
      }
      return { url: current, status: res.status, body: await res.text(), headers: res.headers };
    }
    throw new Error('too many redirects');
  }
}

function forms(html: string): Array<{ action: string; hidden: Record<string, string> }> {
  return [...html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].map((m) => {
    const hidden: Record<string, string> = {};
    for (const input of m[2]!.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1];
      const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
      if (name) hidden[name] = unescape(value);
    }
    return { action: unescape(m[1]!), hidden };
  });
}

function unescape(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

export interface ConsoleAccount {
  id: string;
  username: string;
  /** The TOTP secret, when the account has a second factor. */
  secret?: string;
}

/**
 * An account with a password, and a TOTP second factor unless `secondFactor`
 * is false, holding the given roles (`department/role`; departments and roles
 * are created as needed).
 */
export async function consoleAccount(
  server: TestServer,
  username: string,
  options: { roles?: readonly string[]; secondFactor?: boolean } = {},
): Promise<ConsoleAccount> {
  const { identity, authz } = server;
  const account = await identity.accounts.create({ username, password: OFFICER_PASSWORD });
  let secret: string | undefined;
  if (options.secondFactor !== false) {
    secret = (await identity.totp.begin(account.id, { account: username, issuer: 'OneGate' })).secretBase32;
    const activated = await identity.totp.activate(account.id, totp(secret, Date.now() - 30_000));
    if (!activated.ok) throw new Error('TOTP activation failed');
  }
  for (const role of options.roles ?? []) {
    const [department = '', name = ''] = role.split('/');
    await authz.putDepartment({ id: department, name: department }, 'test');
    await authz.putRole({ department, name }, 'test');
    await authz.assign({ subject: account.id, department, role: name }, 'test');
  }
  return { id: account.id, username, ...(secret === undefined ? {} : { secret }) };
}

/**
 * Signs in to the console as `account` through OneGate's pages (password,
 * then the authenticator code when it has one) and returns the page the
 * console lands on.
 */
export async function signInToConsole(
  server: TestServer,
  browser: ConsoleBrowser,
  account: ConsoleAccount,
  path = '/console',
): Promise<Page> {
  const login = await browser.get(`${server.url}${path}`);
  let page = await browser.submit(login, { username: account.username, password: OFFICER_PASSWORD });
  if (account.secret !== undefined && page.body.includes('one-time-code')) {
    page = await browser.submit(page, { code: totp(account.secret) });
  }
  return page;
}

/** A test server whose issuer is its own address, as the console's sign-in needs (redirects go there). */
export async function startConsoleServer(env: Record<string, string> = {}): Promise<TestServer> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return startTestServer({
    ONEGATE_PORT: String(port),
    ONEGATE_ISSUER: `http://127.0.0.1:${port}`,
    ONEGATE_LOG_LEVEL: 'warn',
    ...env,
  });
}

export type { TestServer };
