/**
 * The sign-in bench's browser: what test/e2e's Browser does for a login form
 * (cookie jar, redirects followed by hand, the form's hidden fields posted
 * back), over node:http with keep-alive rather than fetch, so the load
 * generator takes half the CPU it would and the two servers get it instead.
 */
import type { Agent } from 'node:http';
import { exchange } from './harness.ts';

export interface BenchPage {
  url: string;
  status: number;
  body: string;
  /** True when the browser stopped at `stopAt` (the app's redirect URI) without visiting it. */
  redirected: boolean;
}

export class BenchBrowser {
  readonly #agent: Agent;
  readonly #cookies = new Map<string, string>();

  constructor(agent: Agent) {
    this.#agent = agent;
  }

  visit(url: string, stopAt: string): Promise<BenchPage> {
    return this.#follow(url, undefined, stopAt);
  }

  /** Posts the page's first form: its hidden fields plus `fields`. */
  submit(page: BenchPage, fields: Record<string, string>, stopAt: string): Promise<BenchPage> {
    const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(page.body);
    if (!form) throw new Error(`no form on ${page.url}`);
    const body = new URLSearchParams();
    for (const [input] of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(input)?.[1];
      if (name) body.set(name, decode(/value="([^"]*)"/.exec(input)?.[1] ?? ''));
    }
    for (const [name, value] of Object.entries(fields)) body.set(name, value);
    return this.#follow(new URL(decode(form[1]!), page.url).toString(), body.toString(), stopAt);
  }

  async #follow(url: string, form: string | undefined, stopAt: string): Promise<BenchPage> {
    let current = url;
    let body = form;
    for (let hop = 0; hop < 20; hop++) {
      if (current.startsWith(stopAt)) return { url: current, status: 0, body: '', redirected: true };
      const headers: Record<string, string> = { accept: 'text/html', 'accept-language': 'en' };
      if (this.#cookies.size > 0) {
        headers['cookie'] = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
      }
      if (body !== undefined) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        // What a browser sends for a form on a page with `Referrer-Policy: no-referrer`.
        headers['origin'] = 'null';
      }
      const res = await exchange(
        this.#agent,
        new URL(current),
        body === undefined ? 'GET' : 'POST',
        headers,
        body,
      );
      this.#keep(res.headers['set-cookie'] ?? []);
      if (res.status >= 300 && res.status < 400 && res.headers.location) {
        current = new URL(res.headers.location, current).toString();
        body = undefined;
        continue;
      }
      return { url: current, status: res.status, body: res.body, redirected: false };
    }
    throw new Error('too many redirects');
  }

  #keep(setCookies: string[]): void {
    for (const line of setCookies) {
      const pair = line.split(';', 1)[0]!;
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}

function decode(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x2F;/g, '/')
    .replace(/&amp;/g, '&');
}
