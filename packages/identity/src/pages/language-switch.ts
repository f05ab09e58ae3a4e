import { html, type SafeHtml } from './html.ts';
import { LANGUAGE_NAMES } from './messages.ts';
import { LANG_QUERY_PARAM, LANGUAGES, type Language } from './negotiate-language.ts';

/** Only used to parse; never appears in output. */
const PARSE_BASE = 'http://onegate.invalid';

/**
 * The link that shows the current page in `lang`: the current path and its
 * query, with `lang` replaced. Always a path starting with a single `/`: an
 * absolute or protocol-relative input (`https://evil.example`,
 * `//evil.example/x`, `/.//evil.example`) keeps only its path, and any other
 * scheme becomes `/`, so the switch can never send the citizen to another site.
 */
export function languageSwitchUrl(currentUrl: string, lang: Language): string {
  const parsed = URL.parse(currentUrl, PARSE_BASE);
  // `javascript:`, `data:` and the like have no path of ours to keep.
  const url = parsed?.protocol === 'http:' || parsed?.protocol === 'https:' ? parsed : undefined;
  const path = url ? url.pathname.replace(/^[/\\]+/, '/') : '/';
  // Keep the other parameters exactly as they were (re-encoding could change
  // what an OIDC parameter means); drop every earlier `lang`.
  const kept = (url?.search.slice(1) ?? '')
    .split('&')
    .filter((pair) => pair !== '' && decodeKey(pair) !== LANG_QUERY_PARAM);
  kept.push(`${LANG_QUERY_PARAM}=${encodeURIComponent(lang)}`);
  return `${path}?${kept.join('&')}`;
}

/** The language switch of every OneGate page: the current language, and links to the others. */
export function languageSwitch(current: Language, currentUrl: string, label: string): SafeHtml {
  const items = LANGUAGES.map((lang) =>
    lang === current
      ? html`<li><span aria-current="true">${LANGUAGE_NAMES[lang]}</span></li>`
      : html`<li>
          <a href="${languageSwitchUrl(currentUrl, lang)}" hreflang="${lang}" lang="${lang}"
            >${LANGUAGE_NAMES[lang]}</a
          >
        </li>`,
  );
  return html`<nav class="lang-switch" aria-label="${label}">
    <ul>
      ${items}
    </ul>
  </nav>`;
}

function decodeKey(pair: string): string {
  const key = pair.split('=', 1)[0]!.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}
