/**
 * The SDK's view of an HTTP exchange, the same for Koa and Express: the core
 * reads a `LoginRequest` and answers with a `Reply` that the adapter writes.
 */
export interface LoginRequest {
  method: string;
  /** Path and query as the browser sent them (`/orders?id=3`). */
  pathAndQuery: string;
  header(name: string): string | undefined;
  /** The urlencoded form body, read with a size limit; rejects when too large or not a form. */
  readForm(): Promise<URLSearchParams>;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  cookies: string[];
  body: string;
}

export interface CookieOptions {
  secure: boolean;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
}

/** A Set-Cookie line: httpOnly, SameSite=Lax (sent on the top-level redirect back from OneGate), path /. */
export function setCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${options.maxAge}`];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/** One cookie's value from a Cookie header; undefined when absent or sent twice (ambiguous). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  let found: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    if (found !== undefined) return undefined;
    found = part.slice(eq + 1).trim();
  }
  return found;
}

export function redirect(location: string, status = 302, cookies: string[] = []): Reply {
  return { status, headers: { location, 'cache-control': 'no-store' }, cookies, body: '' };
}

export function json(status: number, value: unknown, cookies: string[] = []): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    cookies,
    body: JSON.stringify(value),
  };
}

/**
 * A failure the citizen sees: a small HTML page for browsers, JSON otherwise.
 * `title` and `message` are fixed texts, never request input.
 */
export function failure(
  req: LoginRequest,
  status: number,
  error: string,
  title: string,
  message: string,
  cookies: string[] = [],
): Reply {
  if (!(req.header('accept') ?? '').includes('text/html')) {
    return json(status, { error, error_description: message }, cookies);
  }
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>${escape(title)}</h1><p>${escape(message)}</p><p><a href="/">Back to the start page</a></p></body></html>`;
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'",
    },
    cookies,
    body,
  };
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
