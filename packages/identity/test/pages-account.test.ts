import { describe, expect, it } from 'vitest';
import {
  accountPage,
  LANGUAGES,
  MESSAGES,
  type AccountPageModel,
  type Language,
} from '../src/pages/index.ts';

const PASSKEY = { credentialId: 'cred-1', name: 'Phone' };
const THIS_SESSION = {
  uid: 'this',
  current: true,
  device: 'Chrome · Linux',
  address: '-',
  lastSeenAt: 0,
  apps: [],
};
const OTHER_SESSION = {
  uid: 'other',
  current: false,
  device: 'Safari · iOS',
  address: '-',
  lastSeenAt: 0,
  apps: [],
};

function page(lang: Language, extra: Partial<AccountPageModel> = {}): string {
  return accountPage({
    lang,
    currentUrl: '/account',
    profile: { username: 'li.wei' },
    totp: { active: false },
    recoveryCodesLeft: 0,
    hasPassword: true,
    csrfToken: 'csrf-1',
    signOutUrl: '/account/sessions/sign-out-everywhere',
    passkeys: [],
    passkeyUrls: { optionsUrl: '/o', verifyUrl: '/v' },
    sessions: [THIS_SESSION],
    apps: [],
    ...extra,
  });
}

/** The `<input>` start tag with this id. */
function inputTag(body: string, id: string): string {
  const tag = new RegExp(`<input[^>]*id="${id}"[^>]*>`).exec(body)?.[0];
  if (!tag) throw new Error(`no input #${id}`);
  return tag;
}

const actions = (body: string) => [...body.matchAll(/<form[^>]*action="([^"]*)"/g)].map((m) => m[1]);

describe.each(LANGUAGES)('the account page in %s', (lang) => {
  const t = MESSAGES[lang];

  it('changes the password with the current and a new one, as password managers expect', () => {
    const body = page(lang);
    expect(actions(body)).toContain('/account/password');
    expect(inputTag(body, 'current-password')).toMatch(/type="password"[\s\S]*name="current_password"/);
    expect(inputTag(body, 'current-password')).toContain('autocomplete="current-password"');
    expect(inputTag(body, 'new-password')).toMatch(/type="password"[\s\S]*name="new_password"/);
    expect(inputTag(body, 'new-password')).toContain('autocomplete="new-password"');
    expect(body).toMatch(
      /<input\s+type="text"\s+autocomplete="username"\s+value="li.wei"\s+hidden\s+readonly/,
    );
    // Without a passkey the password cannot go; the page says what to do instead.
    expect(actions(body)).not.toContain('/account/password/remove');
    expect(body).toContain(t.accountPasswordAddPasskeyFirst);
  });

  it('shows the profile as given (the routes mask it), the ID number under its own label', () => {
    const body = page(lang, {
      profile: { username: 'li.wei', phone: '138****8000', idNumber: '110105********002X' },
    });
    expect(body).toMatch(new RegExp(`<dt>${t.accountPhone}</dt>\\s*<dd>138\\*{4}8000</dd>`));
    expect(body).toMatch(new RegExp(`<dt>${t.accountIdNumber}</dt>\\s*<dd>110105\\*{8}002X</dd>`));
    expect(page(lang)).not.toContain(t.accountIdNumber);
  });

  it('offers to remove the password once there is a passkey', () => {
    const body = page(lang, { passkeys: [PASSKEY] });
    expect(actions(body)).toContain('/account/password/remove');
    expect(body).toContain(t.accountPasswordRemoveExplanation);
  });

  it('offers a passkey-only account to set a password: a new one only', () => {
    const body = page(lang, { hasPassword: false, passkeys: [PASSKEY] });
    expect(body).toContain(t.accountPasswordNone);
    expect(actions(body)).toContain('/account/password/set');
    expect(actions(body)).not.toContain('/account/password');
    expect(actions(body)).not.toContain('/account/password/remove');
    expect(body).not.toContain('current-password');
    expect(inputTag(body, 'new-password')).toContain('autocomplete="new-password"');
  });

  it('announces a wrong current password next to the form and marks that field', () => {
    const body = page(lang, { passwordError: { code: 'wrong_password' } });
    expect(body).toContain(`role="alert" id="password-error"><p>${t.accountPasswordWrong}</p>`);
    expect(inputTag(body, 'current-password')).toContain('aria-invalid="true"');
    expect(inputTag(body, 'new-password')).not.toContain('aria-invalid');
  });

  it('lists every policy reason and marks the new password', () => {
    const body = page(lang, { passwordError: { code: 'policy', reasons: ['too_short', 'common'] } });
    const alert = /<div class="notice notice-error" role="alert" id="password-error">([\s\S]*?)<\/div>/.exec(
      body,
    )?.[1];
    expect(alert).toContain(t.passwordPolicy.too_short);
    expect(alert).toContain(t.passwordPolicy.common);
    expect(alert).not.toContain(t.passwordPolicy.repetitive);
    expect(inputTag(body, 'new-password')).toContain(
      'aria-invalid="true" aria-describedby="password-error new-password-hint"',
    );
  });

  it('says how long to wait when the current password was tried too often', () => {
    const body = page(lang, { passwordError: { code: 'throttled', retryAfterSeconds: 90 } });
    expect(body).toContain(t.loginThrottled(90));
  });

  it('explains a refused removal of the last way to sign in as an alert', () => {
    expect(page(lang, { notice: 'last_method_passkey' })).toContain(
      `role="alert"><p>${t.accountLastMethodPasskey}</p>`,
    );
    expect(page(lang, { notice: 'last_method_password' })).toContain(
      `role="alert"><p>${t.accountLastMethodPassword}</p>`,
    );
  });

  it('says that session and passkey times are UTC', () => {
    const at = Date.UTC(2026, 4, 2, 6, 3);
    const body = page(lang, {
      sessions: [{ ...THIS_SESSION, lastSeenAt: at }],
      passkeys: [{ ...PASSKEY, lastUsedAt: at }],
    });
    expect(body).toContain(t.accountSessionDetails('-', '2026-05-02 06:03 UTC'));
    expect(body).toContain(t.accountPasskeyLastUsed('2026-05-02 06:03 UTC'));
  });

  it('offers to sign out the other sessions after a sign-in method changed, when there are any', () => {
    const alone = page(lang, { notice: 'method_changed' });
    expect(alone).toContain(t.accountSaved);
    expect(actions(alone)).not.toContain('/account/sessions/sign-out-others');

    const body = page(lang, { notice: 'method_changed', sessions: [THIS_SESSION, OTHER_SESSION] });
    expect(body).toContain(t.accountMethodChanged);
    expect(actions(body)).toContain('/account/sessions/sign-out-others');
    // The per-device and everywhere buttons stay.
    expect(actions(body)).toContain('/account/sessions/sign-out');
    expect(actions(body)).toContain('/account/sessions/sign-out-everywhere');
    // A plain save (a rename) does not offer it.
    expect(actions(page(lang, { notice: 'saved', sessions: [OTHER_SESSION] }))).not.toContain(
      '/account/sessions/sign-out-others',
    );
  });
});
