/** Markup that is already safe: built by `html`, never from a raw string. */
export interface SafeHtml {
  readonly html: string;
}

/** A template whose interpolated values are escaped, unless they are `SafeHtml` (lists of it too). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return { html: out };
}

function render(value: unknown): string {
  if (value === undefined || value === null || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'object' && 'html' in value) return String(value.html);
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new TypeError('a page takes text, numbers and html`…` only');
  }
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Headers of every page: nothing cached (pages may show personal data), no scripts, no framing. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/** A page of one of the demo apps, with the banner every demo page carries. */
export function page(options: { app: string; title: string; user?: SafeHtml; body: SafeHtml }): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · ${options.app} (demo)</title>
        <style>
          body {
            font:
              16px/1.5 system-ui,
              sans-serif;
            margin: 0;
            color: #1b1b1b;
          }
          .demo-banner {
            background: #ffbf47;
            padding: 0.4rem 1rem;
            font-weight: 700;
            text-align: center;
          }
          header {
            background: #0b3d91;
            color: #fff;
            padding: 0.8rem 1rem;
            display: flex;
            gap: 1rem;
            justify-content: space-between;
            align-items: center;
            flex-wrap: wrap;
          }
          header a,
          header button {
            color: #fff;
          }
          main {
            max-width: 52rem;
            margin: 1.5rem auto;
            padding: 0 1rem;
          }
          table {
            border-collapse: collapse;
            width: 100%;
          }
          th,
          td {
            text-align: left;
            padding: 0.4rem 0.6rem;
            border-bottom: 1px solid #ccc;
          }
          form.inline {
            display: inline;
          }
          button,
          .button {
            font: inherit;
            padding: 0.3rem 0.9rem;
            cursor: pointer;
          }
          label {
            display: block;
            margin-top: 0.8rem;
            font-weight: 600;
          }
          input[type='text'],
          select {
            font: inherit;
            width: 100%;
            max-width: 30rem;
          }
          .value {
            font-family: ui-monospace, monospace;
            font-size: 1.1rem;
          }
          .notice {
            border-left: 4px solid #0b3d91;
            padding: 0.2rem 0.8rem;
            background: #f3f6fb;
          }
          .refused {
            border-left-color: #b10e1e;
            background: #fbeeee;
          }
          small {
            color: #555;
          }
        </style>
      </head>
      <body>
        <div class="demo-banner" role="note">DEMO — not a real government service</div>
        <header><strong>${options.app}</strong>${options.user}</header>
        <main>
          <h1>${options.title}</h1>
          ${options.body}
        </main>
      </body>
    </html>`.html;
}

/** The header's part for a signed-in person: who, and the button that signs out everywhere. */
export function signedIn(who: string): SafeHtml {
  return html`<span
    >Signed in as <strong data-testid="who">${who}</strong>
    <form class="inline" method="post" action="/auth/logout">
      <button type="submit">Sign out</button>
    </form></span
  >`;
}
