import { html } from './html.ts';
import { layout, type PageContext } from './layout.ts';
import { PASSKEY_SCRIPTS, passkeySignIn } from './passkey-button.ts';
import { MESSAGES } from './messages.ts';

export interface SecondFactorPageModel extends PageContext {
  clientName: string;
  action: string;
  abortUrl: string;
  csrfToken: string;
  /** The passkey ceremony's endpoints, when a passkey may serve as the second factor. */
  passkey?: { optionsUrl: string; verifyUrl: string } | undefined;
  /** The last code was wrong, replayed, or the attempts are throttled. */
  error?: { code: 'invalid' } | { code: 'throttled'; retryAfterSeconds: number } | undefined;
}

const MESSAGE_ID = 'second-factor-message';
const HINT_ID = 'second-factor-hint';

/** After the password: a code from the authenticator app, or a recovery code, in one field. */
export function secondFactorPage(model: SecondFactorPageModel): string {
  const t = MESSAGES[model.lang];
  const { error } = model;
  const message =
    error?.code === 'throttled'
      ? t.loginThrottled(Math.max(1, Math.ceil(error.retryAfterSeconds)))
      : error
        ? t.secondFactorInvalid
        : undefined;
  const described = error ? `${HINT_ID} ${MESSAGE_ID}` : HINT_ID;
  const content = html`<h1>${t.secondFactorTitle}</h1>
    <p class="lead">${t.loginContinueTo(model.clientName)}</p>
    ${
      message &&
      html`<div class="notice notice-error" role="alert">
        <h2>${t.loginErrorHeading}</h2>
        <p id="${MESSAGE_ID}">${message}</p>
      </div>`
    }
    <form method="post" action="${model.action}">
      <input type="hidden" name="csrf" value="${model.csrfToken}" />
      <p>${t.secondFactorExplanation}</p>
      <div class="field">
        <label for="code">${t.secondFactorCodeLabel}</label>
        <input
          type="text"
          id="code"
          name="code"
          autocomplete="one-time-code"
          autocapitalize="characters"
          spellcheck="false"
          maxlength="32"
          required
          autofocus
          aria-describedby="${described}"
          ${error && html` aria-invalid="true"`}
        />
        <p class="hint" id="${HINT_ID}">${t.secondFactorCodeHint}</p>
      </div>
      <div class="actions">
        <button type="submit" class="button">${t.secondFactorVerify}</button>
      </div>
    </form>
    ${model.passkey && passkeySignIn(t, model.passkey, model.csrfToken)}
    <p class="secondary-actions"><a href="${model.abortUrl}">${t.cancel}</a></p>`;
  return layout({
    lang: model.lang,
    currentUrl: model.currentUrl,
    title: t.secondFactorTitle,
    content,
    scripts: model.passkey ? PASSKEY_SCRIPTS : [],
  });
}
