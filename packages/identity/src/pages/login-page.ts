import { html, type SafeHtml } from './html.ts';
import { layout, type PageContext } from './layout.ts';
import { PASSKEY_SCRIPTS, passkeySignIn } from './passkey-button.ts';
import { MESSAGES, type Messages } from './messages.ts';

/**
 * Why the form is shown again. `invalid_credentials` covers an unknown user
 * and a wrong password alike, so the page never tells which accounts exist;
 * `account_locked` must only be used once the password was right, for the
 * same reason. `step_up_required` is shown as a notice, not as an alert.
 */
export type LoginError =
  | { code: 'invalid_credentials' }
  | { code: 'throttled'; retryAfterSeconds: number }
  | { code: 'account_locked' }
  | { code: 'temporary_password_expired' }
  | { code: 'csrf' }
  | { code: 'step_up_required' }
  | { code: 'generic' };

export type LoginErrorCode = LoginError['code'];

export interface LoginPageModel extends PageContext {
  /** Name of the app (client) that asked for the sign-in. */
  clientName: string;
  /** Where the form posts. */
  action: string;
  /** Where "Cancel" goes; it ends the request with `access_denied` for the app. */
  abortUrl: string;
  csrfToken: string;
  /** What the citizen typed last time, so only the password has to be entered again. */
  username?: string | undefined;
  error?: LoginError | undefined;
  /** Where the passkey ceremony gets its options and sends its answer (JSON, same CSRF token). */
  passkey?: { optionsUrl: string; verifyUrl: string } | undefined;
}

const SUMMARY_MESSAGE_ID = 'login-error-message';

export function loginPage(model: LoginPageModel): string {
  const t = MESSAGES[model.lang];
  const { error } = model;
  const fieldsInvalid = error?.code === 'invalid_credentials';
  const username = model.username ?? '';
  // The password is always emptied, so after a failed attempt with the name kept, typing resumes there.
  const focusPassword = fieldsInvalid && username !== '';
  const invalid = fieldsInvalid
    ? html` aria-invalid="true" aria-describedby="${SUMMARY_MESSAGE_ID}"`
    : html``;

  const content = html`<h1>${t.loginTitle}</h1>
    <p class="lead">${t.loginContinueTo(model.clientName)}</p>
    ${error && errorSummary(t, model.clientName, error)}
    <form method="post" action="${model.action}">
      <input type="hidden" name="csrf" value="${model.csrfToken}" />
      <div class="field">
        <label for="username">${t.usernameLabel}</label>
        <input
          type="text"
          id="username"
          name="username"
          value="${username}"
          autocomplete="username webauthn"
          autocapitalize="none"
          spellcheck="false"
          maxlength="254"
          required${!focusPassword && html` autofocus`}${invalid}
        />
      </div>
      <div class="field">
        <label for="password">${t.passwordLabel}</label>
        <input
          type="password"
          id="password"
          name="password"
          autocomplete="current-password"
          maxlength="1024"
          required${focusPassword && html` autofocus`}${invalid}
        />
      </div>
      <div class="actions">
        <button type="submit" class="button">${t.signIn}</button>
      </div>
    </form>
    ${model.passkey && passkeySignIn(t, model.passkey, model.csrfToken)}
    <p class="secondary-actions"><a href="${model.abortUrl}">${t.cancel}</a></p>`;

  return layout({
    lang: model.lang,
    currentUrl: model.currentUrl,
    title: t.loginTitle,
    content,
    scripts: model.passkey ? PASSKEY_SCRIPTS : [],
  });
}

function errorSummary(t: Messages, clientName: string, error: LoginError): SafeHtml {
  // Step-up is not a mistake of the citizen: an informational notice, not an alert.
  if (error.code === 'step_up_required') {
    return html`<div class="notice" role="status">
      <h2>${t.stepUpHeading}</h2>
      <p id="${SUMMARY_MESSAGE_ID}">${t.stepUpRequired(clientName)}</p>
    </div>`;
  }
  return html`<div class="notice notice-error" role="alert">
    <h2>${t.loginErrorHeading}</h2>
    <p id="${SUMMARY_MESSAGE_ID}">${errorMessage(t, error)}</p>
  </div>`;
}

function errorMessage(t: Messages, error: Exclude<LoginError, { code: 'step_up_required' }>): string {
  switch (error.code) {
    case 'invalid_credentials':
      return t.loginInvalidCredentials;
    case 'throttled':
      return t.loginThrottled(wholeSeconds(error.retryAfterSeconds));
    case 'account_locked':
      return t.loginAccountLocked;
    case 'temporary_password_expired':
      return t.loginTemporaryPasswordExpired;
    case 'csrf':
      return t.loginCsrf;
    case 'generic':
      return t.loginGeneric;
  }
}

/** A rate limiter may hand over a fraction, zero or NaN; the citizen sees at least one whole second. */
function wholeSeconds(seconds: number): number {
  return Number.isFinite(seconds) ? Math.max(1, Math.ceil(seconds)) : 60;
}
