import { html, type SafeHtml } from './html.ts';
import { languageSwitch } from './language-switch.ts';
import { MESSAGES } from './messages.ts';
import type { Language } from './negotiate-language.ts';
import { STYLESHEET_URL } from './stylesheet.ts';

/** What every page model carries. */
export interface PageContext {
  lang: Language;
  /** Path and query of this page as requested (e.g. Koa's `ctx.originalUrl`), for the language switch. */
  currentUrl: string;
}

export interface LayoutOptions extends PageContext {
  title: string;
  content: SafeHtml;
  /** Our own script files (CSP script-src 'self'), for pages with passkey ceremonies. Never inline. */
  scripts?: readonly string[] | undefined;
}

/** The document around every page: no script, no inline style, one stylesheet of ours. */
export function layout({ lang, currentUrl, title, content, scripts = [] }: LayoutOptions): string {
  const t = MESSAGES[lang];
  return html`<!doctype html>
    <html lang="${lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${title} – ${t.productName}</title>
        <link rel="stylesheet" href="${STYLESHEET_URL}" />
        ${scripts.map((src) => html`<script src="${src}" defer></script>`)}
      </head>
      <body>
        <a class="skip-link" href="#main">${t.skipToContent}</a>
        <header class="site-header">
          <div class="site-header-inner">
            <p class="product-name">${t.productName}</p>
            ${languageSwitch(lang, currentUrl, MESSAGES[lang].languageSwitchLabel)}
          </div>
        </header>
        <main id="main" class="page">
          <div class="card">${content}</div>
        </main>
      </body>
    </html> `.toString();
}
