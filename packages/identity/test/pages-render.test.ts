import { describe, expect, it } from 'vitest';
import {
  secondFactorPage,
  consentPage,
  errorPage,
  LANGUAGES,
  loggedOutPage,
  loginPage,
  logoutConfirmPage,
  STYLESHEET,
  STYLESHEET_URL,
  type Language,
  type LoginPageModel,
} from '../src/pages/index.ts';

type Attrs = Record<string, string>;

/** Start tags named `name`, with their attributes unescaped; enough for the markup these pages emit. */
function tags(page: string, name: string): Attrs[] {
  return [...page.matchAll(new RegExp(`<${name}\\b([^>]*)>`, 'g'))].map(([, attrs = '']) =>
    Object.fromEntries(
      [...attrs.matchAll(/([a-z-]+)(?:="([^"]*)")?/g)].map(([, key = '', value = '']) => [
        key,
        value
          .replace(/&quot;/g, '"')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&#39;/g, "'")
          .replace(/&amp;/g, '&'),
      ]),
    ),
  );
}

/** The consent page's list of requested scopes. */
function scopeItems(page: string): string[] {
  const list = /<ul class="scope-list">([\s\S]*?)<\/ul>/.exec(page)?.[1] ?? '';
  return [...list.matchAll(/<li>([\s\S]*?)<\/li>/g)].map(([, text = '']) => text.trim());
}

function input(page: string, name: string): Attrs {
  const found = tags(page, 'input').find((a) => a['name'] === name);
  if (!found) throw new Error(`no input named ${name}`);
  return found;
}

const HOSTILE = '<script>alert(1)</script>';
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';

function login(lang: Language, extra: Partial<LoginPageModel> = {}): string {
  return loginPage({
    lang,
    currentUrl: '/interaction/abc',
    clientName: 'Social Security',
    action: '/interaction/abc/login',
    abortUrl: '/interaction/abc/abort',
    csrfToken: 'csrf-token-1',
    ...extra,
  });
}

/** Every page, with a hostile value in every field the caller fills. */
function everyPage(lang: Language): Record<string, string> {
  const common = { lang, currentUrl: `/x?q=${HOSTILE}` };
  return {
    login: loginPage({
      ...common,
      clientName: HOSTILE,
      action: `/a?${HOSTILE}`,
      abortUrl: `/b?${HOSTILE}`,
      csrfToken: `"${HOSTILE}`,
      username: HOSTILE,
      error: { code: 'invalid_credentials' },
    }),
    stepUp: loginPage({
      ...common,
      clientName: HOSTILE,
      action: '/a',
      abortUrl: '/b',
      csrfToken: 't',
      error: { code: 'step_up_required' },
    }),
    consent: consentPage({
      ...common,
      clientName: HOSTILE,
      scopes: ['openid', HOSTILE],
      action: `/c?${HOSTILE}`,
      csrfToken: HOSTILE,
    }),
    error: errorPage({ ...common, error: 'invalid_request', description: HOSTILE, requestId: HOSTILE }),
    logout: logoutConfirmPage({ ...common, action: `/d?${HOSTILE}`, xsrf: HOSTILE, clientName: HOSTILE }),
    loggedOut: loggedOutPage(common),
    secondFactor: secondFactorPage({
      ...common,
      clientName: HOSTILE,
      action: `/e?${HOSTILE}`,
      abortUrl: `/f?${HOSTILE}`,
      csrfToken: HOSTILE,
      error: { code: 'invalid' },
    }),
  };
}

/** Removes `<script src="/assets/…" defer></script>` tags, the only scripts a page may carry. */
function withoutOwnScripts(page: string): string {
  return page.replace(/<script src="\/assets\/(webauthn|passkeys)\.js" defer><\/script>/g, '');
}

describe.each(LANGUAGES)('every page in %s', (lang) => {
  const pages = Object.entries(everyPage(lang));

  it.each(pages)('%s escapes every value the caller gives', (name, page) => {
    expect(withoutOwnScripts(page)).not.toContain('<script');
    // The signed-out page has no field but the URL, which the language switch percent-encodes.
    if (name !== 'loggedOut') expect(page).toContain(ESCAPED);
  });

  it.each(pages)('%s works under a CSP without inline script or style', (_, page) => {
    // Only our own script files, for the passkey ceremonies; nothing inline.
    expect(withoutOwnScripts(page)).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<style/i);
    expect(page).not.toMatch(/\sstyle=/i);
    expect(page).not.toMatch(/\son[a-z]+=/i);
    expect(page).not.toMatch(/javascript:/i);
    expect(tags(page, 'link')).toEqual([{ rel: 'stylesheet', href: STYLESHEET_URL }]);
    for (const { href } of tags(page, 'a')) expect(href).toMatch(/^[/#]/);
  });

  it.each(pages)('%s is a complete, mobile-ready document in its language', (_, page) => {
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(tags(page, 'html')).toEqual([{ lang }]);
    expect(tags(page, 'meta')).toContainEqual({ charset: 'utf-8' });
    expect(tags(page, 'meta')).toContainEqual({
      name: 'viewport',
      content: 'width=device-width, initial-scale=1',
    });
    expect(page).toMatch(/<title>[^<]+<\/title>/);
    expect(page).toContain('<main id="main" class="page">');
    expect(tags(page, 'a')[0]).toEqual({ class: 'skip-link', href: '#main' });
    expect(page).toContain(lang === 'en' ? 'OneGate sign-in' : 'OneGate 统一身份认证');
  });
});

describe('stylesheet', () => {
  it('is versioned by its content', () => {
    expect(STYLESHEET_URL).toMatch(/^\/assets\/onegate\.css\?v=[0-9a-f]{10}$/);
  });

  it('keeps inputs at 16px or more, shows focus, and fits a phone in one column', () => {
    expect(STYLESHEET).toContain('font-size: max(1rem, 16px)');
    expect(STYLESHEET).toMatch(/:focus-visible[^{]*\{[^}]*outline: 3px solid/);
    expect(STYLESHEET).toContain('max-width: 28rem');
    expect(STYLESHEET).not.toMatch(/url\(|@import/);
  });
});

describe('loginPage', () => {
  it('names the app that asks, in both languages', () => {
    expect(login('en')).toContain('Sign in to continue to Social Security');
    expect(login('zh-CN', { clientName: '社会保障' })).toContain('登录以继续使用 社会保障');
  });

  it('ties a label to every visible input, with the right autocomplete', () => {
    const page = login('en');
    const labels = tags(page, 'label').map((l) => l['for']);
    const visible = tags(page, 'input').filter((i) => i['type'] !== 'hidden');
    expect(visible.map((i) => i['id'])).toEqual(labels);
    expect(visible.map((i) => i['autocomplete'])).toEqual(['username webauthn', 'current-password']);
    expect(page).toContain('<label for="username">Username, phone number or e-mail</label>');
    expect(input(page, 'password')['type']).toBe('password');
  });

  it('posts to the given action with the CSRF token, and links Cancel to the abort URL', () => {
    const page = login('zh-CN');
    expect(tags(page, 'form')).toEqual([{ method: 'post', action: '/interaction/abc/login' }]);
    expect(input(page, 'csrf')).toMatchObject({ type: 'hidden', value: 'csrf-token-1' });
    expect(page).toContain('<a href="/interaction/abc/abort">取消</a>');
    expect(login('en')).toContain('<a href="/interaction/abc/abort">Cancel</a>');
  });

  it('without an error: focus on the first field, no alert, nothing marked invalid', () => {
    const page = login('en');
    expect(input(page, 'username')).toHaveProperty('autofocus');
    expect(input(page, 'password')).not.toHaveProperty('autofocus');
    expect(page).not.toContain('role="alert"');
    expect(page).not.toContain('aria-invalid');
    expect(page).not.toContain('aria-describedby');
  });

  it('on wrong credentials: an alert at the top, both fields invalid and described by it', () => {
    const page = login('en', { error: { code: 'invalid_credentials' } });
    const alertAt = page.indexOf('role="alert"');
    expect(alertAt).toBeGreaterThan(-1);
    expect(alertAt).toBeLessThan(page.indexOf('<form'));
    for (const name of ['username', 'password']) {
      const field = input(page, name);
      expect(field['aria-invalid']).toBe('true');
      expect(page).toContain(`id="${field['aria-describedby']}"`);
    }
    expect(page).toContain('The username, phone number, e-mail or password is incorrect.');
  });

  it('says the same for an unknown user and a wrong password', () => {
    // The caller has one code for both; what the citizen typed is the only difference.
    const unknownUser = login('zh-CN', { username: 'nobody', error: { code: 'invalid_credentials' } });
    const wrongPassword = login('zh-CN', { username: 'zhang.san', error: { code: 'invalid_credentials' } });
    expect(unknownUser.replace('nobody', 'zhang.san')).toBe(wrongPassword);
    expect(wrongPassword).toContain('用户名、手机号码、电子邮箱或密码不正确。');
  });

  it('keeps the username, never a password, and focuses the password to retype', () => {
    const page = login('en', { username: 'zhang.san', error: { code: 'invalid_credentials' } });
    expect(input(page, 'username')['value']).toBe('zhang.san');
    expect(input(page, 'password')).not.toHaveProperty('value');
    expect(input(page, 'password')).toHaveProperty('autofocus');
    expect(input(page, 'username')).not.toHaveProperty('autofocus');
  });

  it('tells a throttled citizen how long to wait', () => {
    expect(login('en', { error: { code: 'throttled', retryAfterSeconds: 300 } })).toContain(
      'Try again in 5 minutes.',
    );
    expect(login('en', { error: { code: 'throttled', retryAfterSeconds: 0.2 } })).toContain(
      'Try again in 1 second.',
    );
    expect(login('zh-CN', { error: { code: 'throttled', retryAfterSeconds: 30 } })).toContain(
      '请在 30 秒后重试。',
    );
  });

  it.each(['throttled', 'account_locked', 'csrf', 'generic'] as const)(
    'shows %s as an alert without blaming a field',
    (code) => {
      const error = code === 'throttled' ? { code, retryAfterSeconds: 60 } : { code };
      const page = login('en', { error });
      expect(page).toContain('role="alert"');
      expect(page).not.toContain('aria-invalid');
      expect(input(page, 'username')).toHaveProperty('autofocus');
    },
  );

  it('shows step-up as a notice, not an error', () => {
    const page = login('en', { error: { code: 'step_up_required' } });
    expect(page).toContain('role="status"');
    expect(page).not.toContain('role="alert"');
    expect(page).not.toContain('aria-invalid');
    expect(page).toContain('Social Security needs a more secure sign-in');
    expect(page).toContain('passkey');
    expect(login('zh-CN', { error: { code: 'step_up_required' } })).toContain('通行密钥');
  });
});

describe('consentPage', () => {
  const model = {
    currentUrl: '/interaction/abc',
    clientName: 'Social Security',
    scopes: ['openid', 'profile', 'email', 'phone', 'identity_assurance', 'departments', 'offline_access'],
    action: '/interaction/abc/confirm',
    csrfToken: 'csrf-token-2',
  };

  it('lists what the app asks for in readable words, in both languages', () => {
    const en = consentPage({ ...model, lang: 'en' });
    expect(en).toContain('Social Security asks to:');
    expect(scopeItems(en)).toEqual([
      'Confirm who you are (your OneGate account identifier)',
      'See your name and basic profile',
      'See your e-mail address',
      'See your phone number',
      'See how strongly your identity has been verified',
      'See the departments you belong to',
      'Keep access to these details while you are not using the app',
    ]);
    const zh = consentPage({ ...model, lang: 'zh-CN' });
    expect(zh).toContain('Social Security 请求：');
    expect(scopeItems(zh)).toContain('获取您的电子邮箱地址');
    expect(scopeItems(zh)).toContain('获取您的身份核验等级');
    expect(scopeItems(zh)).toHaveLength(7);
  });

  it('shows an unknown scope by its exact name, once', () => {
    const page = consentPage({ ...model, lang: 'en', scopes: ['openid', 'tax:read', 'tax:read'] });
    expect(scopeItems(page)).toEqual([
      'Confirm who you are (your OneGate account identifier)',
      'Other permission: <code>tax:read</code>',
    ]);
  });

  it('has Allow and Deny in one POST form with the CSRF token', () => {
    const page = consentPage({ ...model, lang: 'en' });
    expect(tags(page, 'form')).toEqual([{ method: 'post', action: '/interaction/abc/confirm' }]);
    expect(input(page, 'csrf')).toMatchObject({ type: 'hidden', value: 'csrf-token-2' });
    const buttons = tags(page, 'button').map((b) => [b['type'], b['name'], b['value']]);
    expect(buttons).toEqual([
      ['submit', 'decision', 'allow'],
      ['submit', 'decision', 'deny'],
    ]);
    expect(page).toMatch(/value="allow">Allow<\/button>/);
    expect(consentPage({ ...model, lang: 'zh-CN' })).toMatch(/value="deny">拒绝<\/button>/);
  });
});

describe('errorPage', () => {
  it('shows the code and an explanation in both languages', () => {
    const en = errorPage({ lang: 'en', currentUrl: '/auth', error: 'invalid_redirect_uri' });
    expect(en).toContain('<code>invalid_redirect_uri</code>');
    expect(en).toContain('return address that is not registered');
    const zh = errorPage({ lang: 'zh-CN', currentUrl: '/auth', error: 'invalid_redirect_uri' });
    expect(zh).toContain('<code>invalid_redirect_uri</code>');
    expect(zh).toContain('返回地址未经登记');
  });

  it('shows a safe description, but none for server_error', () => {
    const shown = errorPage({
      lang: 'en',
      currentUrl: '/',
      error: 'invalid_scope',
      description: 'scope x unknown',
    });
    expect(shown).toContain('scope x unknown');
    const hidden = errorPage({
      lang: 'en',
      currentUrl: '/',
      error: 'server_error',
      description: 'TypeError: x is undefined\n    at handler (/srv/app.js:1:1)',
      requestId: 'req-123',
    });
    expect(hidden).not.toContain('TypeError');
    expect(hidden).not.toContain('/srv/app.js');
    expect(hidden).toContain('<code>req-123</code>');
  });

  it('gives an unknown code the generic explanation and refuses a malformed one', () => {
    expect(errorPage({ lang: 'en', currentUrl: '/', error: 'weird_thing' })).toContain(
      'Your request could not be completed.',
    );
    const page = errorPage({ lang: 'en', currentUrl: '/', error: 'bad code <b>' });
    expect(page).toContain('<code>server_error</code>');
    expect(page).not.toContain('bad code');
  });
});

describe('logout pages', () => {
  it('asks before signing out of everything, with oidc-provider’s form fields', () => {
    const page = logoutConfirmPage({
      lang: 'en',
      currentUrl: '/session/end',
      action: '/session/end/confirm',
      xsrf: 'x1',
    });
    expect(page).toContain('Sign out of all government services?');
    expect(tags(page, 'form')).toEqual([{ method: 'post', action: '/session/end/confirm' }]);
    expect(input(page, 'xsrf')).toMatchObject({ type: 'hidden', value: 'x1' });
    const [signOut, stay] = tags(page, 'button');
    expect(signOut).toMatchObject({ type: 'submit', name: 'logout', value: 'yes' });
    expect(stay).toEqual({ type: 'submit', class: 'button button-secondary' });
    expect(page).toContain('No, stay signed in');
    expect(logoutConfirmPage({ lang: 'zh-CN', currentUrl: '/', action: '/a', xsrf: 'x' })).toContain(
      '要退出所有政务服务吗？',
    );
  });

  it('confirms the sign-out in both languages', () => {
    expect(loggedOutPage({ lang: 'en', currentUrl: '/' })).toContain('You have signed out of every service');
    expect(loggedOutPage({ lang: 'zh-CN', currentUrl: '/' })).toContain('您已退出所有服务');
  });
});

describe('the consent page (ASVS 10.7.2)', () => {
  it('names the department that will hold the data and how long the permission lasts', () => {
    const page = consentPage({
      lang: 'en',
      currentUrl: '/',
      clientName: 'Pension calculator',
      department: 'social-security',
      scopes: ['profile'],
      action: '/c',
      csrfToken: 't',
    });
    expect(page).toContain('This app belongs to: social-security');
    expect(page).toContain('at most one year');
    const zh = consentPage({
      lang: 'zh-CN',
      currentUrl: '/',
      clientName: 'A',
      department: 'tax',
      scopes: [],
      action: '/c',
      csrfToken: 't',
    });
    expect(zh).toContain('该应用属于：tax');
  });
});
