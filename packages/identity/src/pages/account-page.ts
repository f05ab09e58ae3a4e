import { PASSWORD_MIN_LENGTH, type PasswordPolicyReason } from '../passwords/password-policy.ts';
import { html, raw, type SafeHtml } from './html.ts';
import { layout, type PageContext } from './layout.ts';
import { PASSKEY_SCRIPTS, passkeyButton } from './passkey-button.ts';
import { MESSAGES, type Messages } from './messages.ts';

/**
 * The line at the top of the page. `method_changed` follows a change of how
 * one signs in, and offers to end the other sessions (ASVS 7.4.3); the
 * `last_method_*` ones explain a refused removal.
 */
export type AccountNotice =
  | 'saved'
  | 'method_changed'
  | 'fresh_sign_in'
  | 'invalid_code'
  | 'last_method_passkey'
  | 'last_method_password'
  | 'passkey_not_found'
  | 'passkey_name_invalid'
  | 'password_exists';

/** Why the password form is shown again, next to it. */
export type PasswordFormError =
  | { code: 'wrong_password' }
  | { code: 'throttled'; retryAfterSeconds: number }
  | { code: 'policy'; reasons: readonly PasswordPolicyReason[] };

export interface AccountPageModel extends PageContext {
  profile: {
    username: string;
    name?: string | undefined;
    phone?: string | undefined;
    email?: string | undefined;
    idNumber?: string | undefined;
  };
  totp: { active: boolean };
  /** While enrolling: the QR code (SVG markup made by our own QR library, not user input) and the key. */
  enrolment?: { qrSvg: string; secretBase32: string } | undefined;
  recoveryCodesLeft: number;
  /** Shown once, right after they were made. */
  newRecoveryCodes?: readonly string[] | undefined;
  notice?: AccountNotice | undefined;
  /** False for a passkey-only account: it is offered to set a password instead of changing it. */
  hasPassword: boolean;
  passwordError?: PasswordFormError | undefined;
  csrfToken: string;
  signOutUrl: string;
  passkeys: ReadonlyArray<{ credentialId: string; name: string; lastUsedAt?: number | null | undefined }>;
  /** Where the registration ceremony gets its options and sends its answer. */
  passkeyUrls: { optionsUrl: string; verifyUrl: string };
  sessions: ReadonlyArray<{
    uid: string;
    current: boolean;
    device: string;
    address: string;
    lastSeenAt: number;
    apps: readonly string[];
  }>;
  apps: ReadonlyArray<{ clientId: string; name: string; scopes: readonly string[] }>;
  /** "Who looked at my data", when the audit log is there to read. */
  dataAccessUrl?: string | undefined;
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
    model.notice === 'method_changed' && model.sessions.some((session) => !session.current)
      ? html`<div class="notice" role="status">
          <p>${t.accountMethodChanged}</p>
          ${form('/account/sessions/sign-out-others', t.accountSignOutOthers)}
        </div>`
      : model.notice && noticeLine(t, model.notice);
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
      ${row(t.accountIdNumber, profile.idNumber)}
    </dl>
    ${
      model.dataAccessUrl &&
      html`<h2>${t.dataAccess.title}</h2>
        <p>${t.dataAccess.sectionText}</p>
        <p><a href="${model.dataAccessUrl}">${t.dataAccess.sectionLink}</a></p>`
    }
    <h2>${t.accountPassword}</h2>
    ${passwordSection(model, t, form)}
    <h2>${t.accountPasskeys}</h2>
    ${
      model.passkeys.length === 0
        ? html`<p>${t.accountPasskeyNone}</p>`
        : html`<ul class="passkeys">
            ${model.passkeys.map(
              (passkey) =>
                html`<li>
                  <strong>${passkey.name}</strong>
                  ${
                    passkey.lastUsedAt &&
                    html`<span class="hint">${t.accountPasskeyLastUsed(when(passkey.lastUsedAt))}</span>`
                  }
                  ${form(
                    '/account/passkeys/rename',
                    t.accountPasskeyRename,
                    html`<input type="hidden" name="credential_id" value="${passkey.credentialId}" />
                      <label for="rename-${passkey.credentialId}">${t.accountPasskeyName}</label>
                      <input
                        type="text"
                        id="rename-${passkey.credentialId}"
                        name="name"
                        value="${passkey.name}"
                        maxlength="64"
                        required
                      />`,
                    true,
                  )}
                  ${form(
                    '/account/passkeys/remove',
                    t.accountPasskeyRemove,
                    html`<input type="hidden" name="credential_id" value="${passkey.credentialId}" />`,
                    true,
                  )}
                </li>`,
            )}
          </ul>`
    }
    <div class="field">
      <label for="passkey-name">${t.accountPasskeyName}</label>
      <input type="text" id="passkey-name" maxlength="64" />
    </div>
    ${passkeyButton({
      id: 'passkey-add',
      label: t.accountPasskeyAdd,
      failed: t.passkeyFailed,
      optionsUrl: model.passkeyUrls.optionsUrl,
      verifyUrl: model.passkeyUrls.verifyUrl,
      csrfToken: model.csrfToken,
    })}
    <h2>${t.accountSecurity}</h2>
    ${totp}
    <p>${t.accountRecoveryExplanation(model.recoveryCodesLeft)}</p>
    ${codes} ${form('/account/recovery-codes', t.accountRecoveryRegenerate, html``, true)}
    <h2>${t.accountSessions}</h2>
    <ul class="sessions">
      ${model.sessions.map(
        (session) =>
          html`<li>
            <strong>${session.device}</strong>
            ${session.current && html`<span>${t.accountSessionThis}</span>`}
            <p class="hint">${t.accountSessionDetails(session.address, when(session.lastSeenAt))}</p>
            ${session.apps.length > 0 && html`<p class="hint">${t.accountSessionApps(session.apps.join(', '))}</p>`}
            ${form(
              '/account/sessions/sign-out',
              t.accountSessionSignOut,
              html`<input type="hidden" name="session" value="${session.uid}" />`,
              true,
            )}
          </li>`,
      )}
    </ul>
    <h2>${t.accountApps}</h2>
    ${
      model.apps.length === 0
        ? html`<p>${t.accountAppsNone}</p>`
        : html`<ul class="apps">
            ${model.apps.map(
              (app) =>
                html`<li>
                  <strong>${app.name}</strong>
                  <p class="hint">
                    ${app.scopes.map((scope) => t.scopes[scope as keyof typeof t.scopes] ?? scope).join(' · ')}
                  </p>
                  ${form(
                    '/account/apps/revoke',
                    t.accountAppRevoke,
                    html`<input type="hidden" name="client_id" value="${app.clientId}" />`,
                    true,
                  )}
                </li>`,
            )}
          </ul>`
    }
    ${form(model.signOutUrl, t.accountSignOutEverywhere, html``, true)}`;
  return layout({
    lang: model.lang,
    currentUrl: model.currentUrl,
    title: t.accountTitle,
    content,
    scripts: PASSKEY_SCRIPTS,
  });
}

type FormMaker = (action: string, label: string, extra?: SafeHtml, secondary?: boolean) => SafeHtml;

function noticeLine(t: Messages, notice: AccountNotice): SafeHtml {
  const [text, error] = ((): [string, boolean] => {
    switch (notice) {
      case 'saved':
      case 'method_changed':
        return [t.accountSaved, false];
      case 'fresh_sign_in':
        return [t.accountFreshSignIn, false];
      case 'invalid_code':
        return [t.secondFactorInvalid, true];
      case 'last_method_passkey':
        return [t.accountLastMethodPasskey, true];
      case 'last_method_password':
        return [t.accountLastMethodPassword, true];
      case 'passkey_not_found':
        return [t.accountPasskeyNotFound, true];
      case 'passkey_name_invalid':
        return [t.accountPasskeyNameInvalid, true];
      case 'password_exists':
        return [t.accountPasswordExists, true];
    }
  })();
  return error
    ? html`<div class="notice notice-error" role="alert"><p>${text}</p></div>`
    : html`<div class="notice" role="status"><p>${text}</p></div>`;
}

/**
 * Change the password (current and new), or set one on a passkey-only
 * account; and, with a passkey to fall back on, remove it.
 */
function passwordSection(model: AccountPageModel, t: Messages, form: FormMaker): SafeHtml {
  const error = model.passwordError;
  const errorId = 'password-error';
  const invalid = (yes: boolean, describedBy = '') =>
    yes
      ? html` aria-invalid="true" aria-describedby="${[errorId, describedBy].filter(Boolean).join(' ')}"`
      : describedBy && html` aria-describedby="${describedBy}"`;
  // Lets a password manager file the new password under the right account.
  const username = html`<input
    type="text"
    autocomplete="username"
    value="${model.profile.username}"
    hidden
    readonly
  />`;
  const newPassword = html`<div class="field">
    <label for="new-password">${t.accountPasswordNew}</label>
    <input
      type="password"
      id="new-password"
      name="new_password"
      autocomplete="new-password"
      minlength="${PASSWORD_MIN_LENGTH}"
      required${invalid(error?.code === 'policy', 'new-password-hint')}
    />
    <p class="hint" id="new-password-hint">${t.accountPasswordHint}</p>
  </div>`;
  const alert =
    error &&
    html`<div class="notice notice-error" role="alert" id="${errorId}">${passwordErrorText(t, error)}</div>`;
  if (!model.hasPassword) {
    return html`<p>${t.accountPasswordNone}</p>
      ${form('/account/password/set', t.accountPasswordSet, html`${username} ${alert} ${newPassword}`)}`;
  }
  const current = html`<div class="field">
    <label for="current-password">${t.accountPasswordCurrent}</label>
    <input
      type="password"
      id="current-password"
      name="current_password"
      autocomplete="current-password"
      required${invalid(error !== undefined && error.code !== 'policy')}
    />
  </div>`;
  return html`<p>${t.accountPasswordOn}</p>
    ${form('/account/password', t.accountPasswordChange, html`${username} ${alert} ${current} ${newPassword}`)}
    ${
      model.passkeys.length > 0
        ? html`<p>${t.accountPasswordRemoveExplanation}</p>
            ${form('/account/password/remove', t.accountPasswordRemove, html``, true)}`
        : html`<p class="hint">${t.accountPasswordAddPasskeyFirst}</p>`
    }`;
}

function passwordErrorText(t: Messages, error: PasswordFormError): SafeHtml {
  switch (error.code) {
    case 'wrong_password':
      return html`<p>${t.accountPasswordWrong}</p>`;
    case 'throttled':
      return html`<p>${t.loginThrottled(Math.max(1, Math.ceil(error.retryAfterSeconds)))}</p>`;
    case 'policy':
      return html`<p>${t.accountPasswordPolicy}</p>
        <ul>
          ${error.reasons.map((reason) => html`<li>${t.passwordPolicy[reason]}</li>`)}
        </ul>`;
  }
}

/** `2026-05-02 06:03 UTC`: the zone is said, so nobody reads it as local time (ASVS 16.2.2). */
function when(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
