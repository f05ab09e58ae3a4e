export const LANGUAGES = ['zh-CN', 'en'] as const;

export type Language = (typeof LANGUAGES)[number];

export const DEFAULT_LANGUAGE: Language = 'zh-CN';

/** The query parameter that switches language, e.g. `?lang=en`. */
export const LANG_QUERY_PARAM = 'lang';

/** The cookie that remembers a language chosen with `?lang=`; its value is a `Language`. */
export const LANG_COOKIE = 'onegate_lang';

const TAG_PATTERN = /^[a-z]{1,8}(?:-[a-z0-9]{1,8})*$/i;
/** Accept-Language is attacker-sized; a browser never sends more than a handful of entries. */
const MAX_HEADER_ENTRIES = 32;

/**
 * The supported language a BCP 47 tag falls under: every Chinese (zh-TW,
 * zh-Hant, zh-HK…) reads Simplified Chinese here, every English reads `en`.
 */
export function languageFromTag(tag: string | undefined): Language | undefined {
  if (tag === undefined) return undefined;
  const trimmed = tag.trim();
  if (trimmed.length > 35 || !TAG_PATTERN.test(trimmed)) return undefined;
  const primary = trimmed.split('-')[0]!.toLowerCase();
  if (primary === 'zh') return 'zh-CN';
  if (primary === 'en') return 'en';
  return undefined;
}

/** Whether a `?lang=` value names a supported language, i.e. whether the caller should set the cookie. */
export function isValidLangQuery(value: string | undefined): boolean {
  return languageFromTag(value) !== undefined;
}

export interface LanguageSources {
  /** The value of the `lang` query parameter, if any. */
  query?: string | undefined;
  /** The value of the `LANG_COOKIE` cookie, if any. */
  cookie?: string | undefined;
  /** The raw Accept-Language header. */
  acceptLanguage?: string | undefined;
}

/** Explicit `?lang` wins, then the cookie, then Accept-Language by q-value; else Simplified Chinese. */
export function negotiateLanguage(sources: LanguageSources): Language {
  return (
    languageFromTag(sources.query) ??
    languageFromTag(sources.cookie) ??
    fromAcceptLanguage(sources.acceptLanguage) ??
    DEFAULT_LANGUAGE
  );
}

function fromAcceptLanguage(header: string | undefined): Language | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',', MAX_HEADER_ENTRIES)
    .map((entry, index) => {
      const [tag = '', ...params] = entry.split(';').map((part) => part.trim());
      return { language: languageFromTag(tag), q: qValue(params), index };
    })
    .filter((e) => e.language !== undefined && e.q > 0)
    // Highest q first; equal q keeps the browser's order.
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked[0]?.language;
}

/** RFC 9110 weight; a malformed one makes the entry unacceptable rather than preferred. */
function qValue(params: readonly string[]): number {
  const q = params.find((p) => /^q\s*=/i.test(p));
  if (q === undefined) return 1;
  const match = /^q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i.exec(q);
  return match ? Number(match[1]) : 0;
}
