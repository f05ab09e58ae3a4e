import { PASSWORD_MIN_LENGTH, type PasswordPolicyReason } from '../passwords/password-policy.ts';
import { html } from './html.ts';
import { layout, type PageContext } from './layout.ts';
import { MESSAGES, type Messages } from './messages.ts';

export type NewPasswordError =
  { code: 'mismatch' } | { code: 'same' } | { code: 'policy'; reasons: PasswordPolicyReason[] };

export interface NewPasswordPageModel extends PageContext {
  clientName: string;
  /** For password managers, to file the new password under the right account. */
  username: string;
  action: string;
  abortUrl: string;
  csrfToken: string;
  error?: NewPasswordError | undefined;
}

const ERROR_ID = 'new-password-error';
const HINT_ID = 'new-password-hint';

/**
 * After an operator's temporary password (ASVS 6.4.1): the person chooses
 * their own before the sign-in goes on.
 */
export function newPasswordPage(model: NewPasswordPageModel): string {
  const t = MESSAGES[model.lang];
  const { error } = model;
  const described = error ? `${HINT_ID} ${ERROR_ID}` : HINT_ID;
  const invalid = error && html` aria-invalid="true"`;
  const content = html`<h1>${t.newPasswordTitle}</h1>
    <p class="lead">${t.loginContinueTo(model.clientName)}</p>
    ${
      error &&
      html`<div class="notice notice-error" role="alert">
        <h2>${t.loginErrorHeading}</h2>
        <div id="${ERROR_ID}">${errorText(t, error)}</div>
      </div>`
    }
    <form method="post" action="${model.action}">
      <input type="hidden" name="csrf" value="${model.csrfToken}" />
      <input type="text" autocomplete="username" value="${model.username}" hidden readonly />
      <p>${t.newPasswordExplanation}</p>
      <div class="field">
        <label for="new-password">${t.accountPasswordNew}</label>
        <input
          type="password"
          id="new-password"
          name="new_password"
          autocomplete="new-password"
          minlength="${PASSWORD_MIN_LENGTH}"
          maxlength="1024"
          required
          autofocus
          aria-describedby="${described}"
          ${invalid}
        />
        <p class="hint" id="${HINT_ID}">${t.accountPasswordHint}</p>
      </div>
      <div class="field">
        <label for="repeat-password">${t.newPasswordRepeat}</label>
        <input
          type="password"
          id="repeat-password"
          name="repeat_password"
          autocomplete="new-password"
          maxlength="1024"
          required${invalid}
        />
      </div>
      <div class="actions">
        <button type="submit" class="button">${t.newPasswordSave}</button>
      </div>
    </form>
    <p class="secondary-actions"><a href="${model.abortUrl}">${t.cancel}</a></p>`;
  return layout({ lang: model.lang, currentUrl: model.currentUrl, title: t.newPasswordTitle, content });
}

function errorText(t: Messages, error: NewPasswordError) {
  switch (error.code) {
    case 'mismatch':
      return html`<p>${t.newPasswordMismatch}</p>`;
    case 'same':
      return html`<p>${t.newPasswordSame}</p>`;
    case 'policy':
      return html`<p>${t.accountPasswordPolicy}</p>
        <ul>
          ${error.reasons.map((reason) => html`<li>${t.passwordPolicy[reason]}</li>`)}
        </ul>`;
  }
}
