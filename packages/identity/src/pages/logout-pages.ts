import { html } from './html.ts';
import { layout, type PageContext } from './layout.ts';
import { MESSAGES } from './messages.ts';

export interface LogoutConfirmPageModel extends PageContext {
  /** oidc-provider's confirm URL (the `action` of the `form` it hands to `logoutSource`). */
  action: string;
  /** The `xsrf` hidden value from that form. */
  xsrf: string;
  /** The app that asked for the sign-out, when known. */
  clientName?: string | undefined;
}

/**
 * oidc-provider signs out only when `logout` is posted; the "stay signed in"
 * button posts the same form without it, which returns to the app signed in.
 */
export function logoutConfirmPage(model: LogoutConfirmPageModel): string {
  const t = MESSAGES[model.lang];
  const content = html`<h1>${t.logoutHeading}</h1>
    <p>${t.logoutExplanation}</p>
    ${model.clientName && html`<p class="lead">${t.logoutFrom(model.clientName)}</p>`}
    <form method="post" action="${model.action}">
      <input type="hidden" name="xsrf" value="${model.xsrf}" />
      <div class="actions">
        <button type="submit" class="button" name="logout" value="yes" autofocus>${t.logoutConfirm}</button>
        <button type="submit" class="button button-secondary">${t.logoutStay}</button>
      </div>
    </form>`;
  return layout({ lang: model.lang, currentUrl: model.currentUrl, title: t.logoutTitle, content });
}

export type LoggedOutPageModel = PageContext;

export function loggedOutPage(model: LoggedOutPageModel): string {
  const t = MESSAGES[model.lang];
  const content = html`<h1>${t.loggedOutHeading}</h1>
    <p>${t.loggedOutAdvice}</p>`;
  return layout({ lang: model.lang, currentUrl: model.currentUrl, title: t.loggedOutTitle, content });
}
