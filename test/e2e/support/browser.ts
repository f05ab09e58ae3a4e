/**
 * A minimal browser for driving OneGate's pages over HTTP: a cookie jar,
 * manual redirects (so a test sees where each hop goes), and form posts.
 */
export class Browser {
  readonly #cookies = new Map<string, string>();
  readonly #origin: string | undefined;
  readonly #userAgent: Record<string, string>;

  /**
   * Real browsers send `Origin: null` on our forms (the pages say `Referrer-Policy: no-referrer`);
   * `origin` overrides that, e.g. to play a browser that does name the site. `userAgent` is sent
   * on every request when given.
   */
  constructor(options: { origin?: string; userAgent?: string } = {}) {
    this.#origin = options.origin;
    this.#userAgent = options.userAgent === undefined ? {} : { 'user-agent': options.userAgent };
  }

  /** Follows redirects from `url` until one leaves for `stopAt` (returned unvisited) or a page answers. */
  async visit(url: string, stopAt?: string): Promise<Landing> {
    return this.#follow(url, { method: 'GET' }, stopAt);
  }

  /** Submits the first form of `page` whose action matches, with its hidden fields plus `fields`. */
  async submit(
    page: Landing,
    fields: Record<string, string>,
    stopAt?: string,
    formIndex = 0,
  ): Promise<Landing> {
    const form = forms(page.body)[formIndex];
    if (!form) throw new Error(`no form on ${page.url}`);
    const body = new URLSearchParams({ ...form.hidden, ...fields });
    const action = new URL(form.action, page.url).toString();
    return this.#follow(
      action,
      {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: this.#origin ?? 'null',
        },
      },
      stopAt,
    );
  }

  /** A script's fetch: JSON in and out, with this browser's cookies; no redirects followed. */
  async postJson(
    url: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: unknown }> {
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        ...headers,
        'content-type': 'application/json',
        cookie: this.#cookieHeader(),
        origin: this.#origin ?? 'null',
      },
      body: JSON.stringify(body),
    });
    this.#store(res);
    return { status: res.status, json: await res.json().catch(() => undefined) };
  }

  async #follow(
    url: string,
    init: RequestInit & { headers?: Record<string, string> },
    stopAt?: string,
  ): Promise<Landing> {
    let current = url;
    let request = init;
    for (let hop = 0; hop < 20; hop++) {
      if (stopAt && current.startsWith(stopAt))
        return { url: current, status: 0, body: '', redirected: true };
      const res = await fetch(current, {
        ...request,
        redirect: 'manual',
        headers: {
          ...this.#userAgent,
          ...request.headers,
          cookie: this.#cookieHeader(),
          accept: 'text/html',
          'accept-language': 'en',
        },
      });
      this.#store(res);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        current = new URL(location, current).toString();
        request = { method: 'GET' };
        continue;
      }
      return {
        url: current,
        status: res.status,
        body: await res.text(),
        redirected: false,
        headers: res.headers,
      };
    }
    throw new Error('too many redirects');
  }

  #cookieHeader(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}

export interface Landing {
  url: string;
  status: number;
  body: string;
  redirected: boolean;
  headers?: Headers;
}

interface Form {
  action: string;
  hidden: Record<string, string>;
}

function forms(html: string): Form[] {
  return [...html.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].map((m) => {
    const hidden: Record<string, string> = {};
    for (const input of m[2]!.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1];
      const value = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
      if (name) hidden[name] = decode(value);
    }
    return { action: decode(m[1]!), hidden };
  });
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
