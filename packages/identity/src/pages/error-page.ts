import { html } from './html.ts';
import { layout, type PageContext } from './layout.ts';
import { KNOWN_OAUTH_ERRORS, MESSAGES, type KnownOAuthError } from './messages.ts';

export interface ErrorPageModel extends PageContext {
  /** OAuth / OIDC error code, e.g. `invalid_redirect_uri`. */
  error: string;
  /**
   * A description safe to show (e.g. oidc-provider's `error_description` of a
   * 4xx). Never pass an exception message or stack; it is not shown for
   * `server_error`.
   */
  description?: string | undefined;
  /** The request ID from the logs, so the service desk can find the failure. */
  requestId?: string | undefined;
}

const CODE_PATTERN = /^[a-z0-9_.-]{1,64}$/i;
const MAX_DESCRIPTION = 300;

export function errorPage(model: ErrorPageModel): string {
  const t = MESSAGES[model.lang];
  const code = CODE_PATTERN.test(model.error) ? model.error : 'server_error';
  const explanation = isKnownError(code) ? t.oauthErrors[code] : t.errorGeneric;
  // A 5xx description could name internals; the request ID is what support needs.
  const description =
    code === 'server_error' ? undefined : model.description?.trim().slice(0, MAX_DESCRIPTION);

  const content = html`<h1>${t.errorTitle}</h1>
    <p>${explanation}</p>
    <dl class="details">
      <dt>${t.errorCodeLabel}</dt>
      <dd><code>${code}</code></dd>
      ${
        description &&
        html`<dt>${t.errorDetailsLabel}</dt>
          <dd lang="en">${description}</dd>`
      }
      ${
        model.requestId &&
        html`<dt>${t.errorRequestIdLabel}</dt>
          <dd><code>${model.requestId.slice(0, 128)}</code></dd>`
      }
    </dl>
    <p>${t.errorAdvice}</p>`;

  return layout({ lang: model.lang, currentUrl: model.currentUrl, title: t.errorTitle, content });
}

function isKnownError(code: string): code is KnownOAuthError {
  return (KNOWN_OAUTH_ERRORS as readonly string[]).includes(code);
}
