import { html, raw } from './html.ts';
import { layout, type PageContext } from './layout.ts';
import { MESSAGES } from './messages.ts';

export interface AccountPageModel extends PageContext {
  profile: {
    username: string;
    name?: string | undefined;
    phone?: string | undefined;
    email?: string | undefined;
  };
  totp: { active: boolean };
  /** While enrolling: the QR code (SVG markup made by our own QR library, not user input) and the key. */
  enrolment?: { qrSvg: string; secretBase32: string } | undefined;
  recoveryCodesLeft: number;
  /** Shown once, right after they were made. */
  newRecoveryCodes?: readonly string[] | undefined;
  notice?: 'fresh_sign_in' | 'saved' | 'invalid_code' | undefined;
  csrfToken: string;
  signOutUrl: string;
}

/** `/account`: the citizen's own profile and sign-in methods. Forms only, no script. */
export function accountPage(model: AccountPageModel): string {
  const t = MESSAGES[model.lang];
  const { profile } = model;
  const form = (action: string, label: string, extra = html``, secondary = false) =>
    html`<form method="post" action="${action}">
      <input type="hidden" name="csrf" value="${model.csrfToken}" />
      ${extra}
      <button type="submit" class="button${secondary ? ' button-secondary' : ''}">${label}</button>
    </form>`;
  const notice =
    model.notice === 'saved'
      ? html`<div class="notice" role="status"><p>${t.accountSaved}</p></div>`
      : model.notice === 'fresh_sign_in'
        ? html`<div class="notice" role="status"><p>${t.accountFreshSignIn}</p></div>`
        : model.notice === 'invalid_code'
          ? html`<div class="notice notice-error" role="alert"><p>${t.secondFactorInvalid}</p></div>`
          : html``;
  const totp = model.enrolment
    ? html`<p>${t.accountTotpScan}</p>
        <div class="qr">${raw(model.enrolment.qrSvg)}</div>
        <p>${t.accountTotpSecret}: <code>${model.enrolment.secretBase32}</code></p>
        ${form(
          '/account/totp/activate',
          t.accountTotpConfirm,
          html`<div class="field">
            <label for="code">${t.secondFactorCodeLabel}</label>
            <input
              type="text"
              id="code"
              name="code"
              autocomplete="one-time-code"
              inputmode="numeric"
              maxlength="6"
              required
              autofocus
            />
          </div>`,
        )}`
    : model.totp.active
      ? html`<p>${t.accountTotpOn}</p>
          ${form('/account/totp/remove', t.accountTotpDisable, html``, true)}`
      : html`<p>${t.accountTotpOff}</p>
          ${form('/account/totp/begin', t.accountTotpEnable)}`;
  const codes = model.newRecoveryCodes
    ? html`<div class="notice" role="status">
        <p>${t.accountRecoveryShownOnce}</p>
        <ul class="recovery-codes">
          ${model.newRecoveryCodes.map((code) => html`<li><code>${code}</code></li>`)}
        </ul>
      </div>`
    : html``;
  const row = (label: string, value: string | undefined) =>
    value === undefined
      ? html``
      : html`<dt>${label}</dt>
          <dd>${value}</dd>`;

  const content = html`<h1>${t.accountTitle}</h1>
    ${notice}
    <h2>${t.accountProfile}</h2>
    <dl class="profile">
      ${row(t.accountUsername, profile.username)} ${row(t.accountName, profile.name)}
      ${row(t.accountPhone, profile.phone)} ${row(t.accountEmail, profile.email)}
    </dl>
    <h2>${t.accountSecurity}</h2>
    ${totp}
    <p>${t.accountRecoveryExplanation(model.recoveryCodesLeft)}</p>
    ${codes} ${form('/account/recovery-codes', t.accountRecoveryRegenerate, html``, true)}
    <p class="secondary-actions"><a href="${model.signOutUrl}">${t.accountSignOutEverywhere}</a></p>`;
  return layout({ lang: model.lang, currentUrl: model.currentUrl, title: t.accountTitle, content });
}
