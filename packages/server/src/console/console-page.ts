import type { Context } from 'koa';
import {
  html,
  languageSwitch,
  pageLanguage,
  pageSecurityHeaders,
  STYLESHEET_URL,
  type Language,
  type SafeHtml,
} from '@onegate/identity';
import { CONSOLE_STYLESHEET_URL } from './assets/console-assets.ts';
import { SHELL_MESSAGES, type ConsoleSection } from './console-messages.ts';
import type { ConsoleState } from './console-auth.ts';

export type { ConsoleSection } from './console-messages.ts';

const SECTIONS: readonly ConsoleSection[] = ['audit', 'integrity', 'review', 'delegations', 'activity'];

export interface ConsolePageOptions {
  title: string;
  /** The nav entry to mark current; `null` for pages outside the sections (sign-in problems, 403). */
  active: ConsoleSection | null;
  body: SafeHtml;
  /** Our own script files under `/console/assets/` (CSP `script-src 'self'`). Never inline. */
  scripts?: readonly string[];
}

/** The page language for console texts (`?lang=`, its cookie, Accept-Language), as the sign-in pages choose it. */
export function consoleLanguage(ctx: Context): Language {
  return pageLanguage(ctx);
}

/**
 * Renders a console page into `ctx.body` with the strict headers of the sign-in
 * pages (no inline script or style, `default-src 'none'`, no caching). The
 * nav, the signed-in officer and the logout link show when `requireConsole`
 * let the request through.
 */
export function consolePage(ctx: Context, options: ConsolePageOptions): void {
  const lang = consoleLanguage(ctx);
  const t = SHELL_MESSAGES[lang];
  const officer = (ctx.state as Partial<ConsoleState>).officer;
  pageSecurityHeaders(ctx);
  ctx.body = html`<!doctype html>
    <html lang="${lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${options.title} – ${t.consoleName} – ${t.productName}</title>
        <link rel="stylesheet" href="${STYLESHEET_URL}" />
        <link rel="stylesheet" href="${CONSOLE_STYLESHEET_URL}" />
        ${(options.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
      </head>
      <body class="console">
        <a class="skip-link" href="#main">${t.skipToContent}</a>
        <header class="site-header console-header">
          <div class="console-header-inner">
            <p class="product-name">${t.productName} · ${t.consoleName}</p>
            ${languageSwitch(lang, ctx.originalUrl, SHELL_MESSAGES[lang].languageSwitchLabel)}
            ${
              officer &&
              html`<p class="console-officer">
                <span>${t.signedInAs(officer.username)}</span>
                <a class="console-sign-out" href="${officer.signOutUrl}">${t.signOut}</a>
              </p>`
            }
          </div>
          ${
            officer &&
            html`<nav class="console-nav" aria-label="${t.navLabel}">
              <ul>
                ${SECTIONS.map((section) =>
                  section === options.active
                    ? html`<li>
                        <a href="/console/${section}" aria-current="page">${t.sections[section]}</a>
                      </li>`
                    : html`<li><a href="/console/${section}">${t.sections[section]}</a></li>`,
                )}
              </ul>
            </nav>`
          }
        </header>
        <main id="main" class="console-main" tabindex="-1">
          <h1>${options.title}</h1>
          ${options.body}
        </main>
      </body>
    </html>`.toString();
}
