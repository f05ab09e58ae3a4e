import { describe, expect, it } from 'vitest';
import {
  isValidLangQuery,
  languageSwitchUrl,
  loginPage,
  MESSAGES,
  negotiateLanguage,
} from '../src/pages/index.ts';

describe('negotiateLanguage', () => {
  it('defaults to Simplified Chinese', () => {
    expect(negotiateLanguage({})).toBe('zh-CN');
    expect(negotiateLanguage({ acceptLanguage: '' })).toBe('zh-CN');
    expect(negotiateLanguage({ acceptLanguage: 'fr' })).toBe('zh-CN');
    expect(negotiateLanguage({ acceptLanguage: 'fr-FR, de;q=0.9, *;q=0.5' })).toBe('zh-CN');
  });

  it('reads every Chinese as zh-CN and every English as en', () => {
    expect(negotiateLanguage({ acceptLanguage: 'zh-TW' })).toBe('zh-CN');
    expect(negotiateLanguage({ acceptLanguage: 'zh-Hant-HK' })).toBe('zh-CN');
    expect(negotiateLanguage({ acceptLanguage: 'en-GB' })).toBe('en');
  });

  it('follows q-values, then the browser order', () => {
    expect(negotiateLanguage({ acceptLanguage: 'zh-CN;q=0.5, en;q=0.8' })).toBe('en');
    expect(negotiateLanguage({ acceptLanguage: 'en-US,en;q=0.9,zh-CN;q=0.8' })).toBe('en');
    expect(negotiateLanguage({ acceptLanguage: 'fr, en;q=0.4, zh;q=0.3' })).toBe('en');
    expect(negotiateLanguage({ acceptLanguage: 'en;q=0.7, zh;q=0.7' })).toBe('en');
    expect(negotiateLanguage({ acceptLanguage: 'en;q=0, zh-TW;q=0.1' })).toBe('zh-CN');
  });

  it('ignores entries with a malformed weight instead of preferring them', () => {
    expect(negotiateLanguage({ acceptLanguage: 'en;q=9, zh;q=0.2' })).toBe('zh-CN');
    expect(negotiateLanguage({ acceptLanguage: 'en;q=abc' })).toBe('zh-CN');
  });

  it('lets ?lang beat the cookie, and the cookie beat the header', () => {
    expect(negotiateLanguage({ query: 'en', cookie: 'zh-CN', acceptLanguage: 'zh' })).toBe('en');
    expect(negotiateLanguage({ query: 'zh-CN', cookie: 'en', acceptLanguage: 'en' })).toBe('zh-CN');
    expect(negotiateLanguage({ cookie: 'en', acceptLanguage: 'zh-CN' })).toBe('en');
    expect(negotiateLanguage({ cookie: 'zh-CN', acceptLanguage: 'en' })).toBe('zh-CN');
  });

  it('skips an unsupported or malformed ?lang or cookie', () => {
    expect(negotiateLanguage({ query: 'fr', cookie: 'en' })).toBe('en');
    expect(negotiateLanguage({ query: '<script>', cookie: 'xx', acceptLanguage: 'en' })).toBe('en');
  });
});

describe('isValidLangQuery', () => {
  it('accepts the supported languages only', () => {
    expect(isValidLangQuery('en')).toBe(true);
    expect(isValidLangQuery('zh-CN')).toBe(true);
    expect(isValidLangQuery('zh-cn')).toBe(true);
    expect(isValidLangQuery('fr')).toBe(false);
    expect(isValidLangQuery('')).toBe(false);
    expect(isValidLangQuery(undefined)).toBe(false);
    expect(isValidLangQuery('en;evil')).toBe(false);
  });
});

describe('message catalogues', () => {
  function shape(value: unknown, prefix = ''): string[] {
    if (typeof value === 'function') return [`${prefix}()`];
    if (typeof value === 'object' && value !== null) {
      return Object.entries(value).flatMap(([key, v]) => shape(v, prefix ? `${prefix}.${key}` : key));
    }
    return [prefix];
  }

  it('have the same keys in both languages', () => {
    expect(shape(MESSAGES.en).sort()).toEqual(shape(MESSAGES['zh-CN']).sort());
  });

  it('leave no message empty', () => {
    for (const catalogue of Object.values(MESSAGES)) {
      for (const key of shape(catalogue)) {
        const value = key
          .split('.')
          .reduce<unknown>((o, k) => (o as Record<string, unknown>)[k.replace('()', '')], catalogue);
        const text =
          typeof value === 'function' ? String((value as (x: never) => unknown)('X' as never)) : value;
        expect(text, key).toMatch(/\S/);
      }
    }
  });
});

describe('languageSwitchUrl', () => {
  it('adds lang and keeps the other parameters exactly', () => {
    expect(languageSwitchUrl('/interaction/abc', 'en')).toBe('/interaction/abc?lang=en');
    expect(languageSwitchUrl('/auth?client_id=ss&scope=openid%20profile&x=a+b', 'zh-CN')).toBe(
      '/auth?client_id=ss&scope=openid%20profile&x=a+b&lang=zh-CN',
    );
  });

  it('replaces every earlier lang, however it is spelled', () => {
    expect(languageSwitchUrl('/p?lang=zh-CN&a=1&%6Cang=fr&lang', 'en')).toBe('/p?a=1&lang=en');
  });

  it('stays a relative path for absolute, protocol-relative and odd input', () => {
    const hostile = [
      '//evil.example/x',
      'https://evil.example',
      'https://evil.example//x?y=1',
      '/.//evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/%2F/evil.example',
      'javascript:alert(1)',
      ' \t//evil.example',
      'http://[',
      '',
    ];
    for (const input of hostile) {
      const out = languageSwitchUrl(input, 'en');
      expect(out, input).toMatch(/^\/(?![/\\])/);
      expect(out, input).not.toMatch(/evil\.example\//);
      expect(out, input).toMatch(/[?&]lang=en$/);
    }
    expect(languageSwitchUrl('//evil.example/x?a=1', 'en')).toBe('/x?a=1&lang=en');
    expect(languageSwitchUrl('https://evil.example', 'en')).toBe('/?lang=en');
  });

  it('is what the page links to, escaped, for the other language', () => {
    const page = loginPage({
      lang: 'zh-CN',
      currentUrl: '/interaction/abc?a="x"&b=<y>',
      clientName: 'Social Security',
      action: '/interaction/abc/login',
      abortUrl: '/interaction/abc/abort',
      csrfToken: 't',
    });
    const link = /<a\s[^>]*hreflang="en"[^>]*>\s*English\s*<\/a\s*>/.exec(page)?.[0];
    expect(link).toContain('href="/interaction/abc?a=%22x%22&amp;b=%3Cy%3E&amp;lang=en"');
    expect(link).toContain('lang="en"');
    expect(page).toContain('<span aria-current="true">简体中文</span>');
  });
});
