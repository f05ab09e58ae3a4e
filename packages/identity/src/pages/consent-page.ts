import { html, type SafeHtml } from './html.ts';
import { layout, type PageContext } from './layout.ts';
import { KNOWN_SCOPES, MESSAGES, type KnownScope, type Messages } from './messages.ts';

export interface ConsentPageModel extends PageContext {
  clientName: string;
  /** Scopes the app asks for and the citizen has not yet granted to it. */
  scopes: readonly string[];
  /** The department that registered the app, when known: who will hold the data. */
  department?: string | undefined;
  action: string;
  csrfToken: string;
}

/** One POST form, two submit buttons: `decision=allow` or `decision=deny`. */
export function consentPage(model: ConsentPageModel): string {
  const t = MESSAGES[model.lang];
  const items = [...new Set(model.scopes)].map((scope) => html`<li>${scopeText(t, scope)}</li>`);

  const content = html`<h1>${t.consentAsks(model.clientName)}</h1>
    <ul class="scope-list">
      ${items}
    </ul>
    ${model.department && html`<p>${t.consentDepartment(model.department)}</p>`}
    <p class="lead">${t.consentExplanation}</p>
    <p>${t.consentLifetime}</p>
    <form method="post" action="${model.action}">
      <input type="hidden" name="csrf" value="${model.csrfToken}" />
      <div class="actions">
        <button type="submit" class="button" name="decision" value="allow">${t.allow}</button>
        <button type="submit" class="button button-secondary" name="decision" value="deny">${t.deny}</button>
      </div>
    </form>`;

  return layout({ lang: model.lang, currentUrl: model.currentUrl, title: t.consentTitle, content });
}

function isKnownScope(scope: string): scope is KnownScope {
  return (KNOWN_SCOPES as readonly string[]).includes(scope);
}

/** A scope we cannot explain is still shown, by its exact name: the citizen must see all they grant. */
function scopeText(t: Messages, scope: string): string | SafeHtml {
  return isKnownScope(scope) ? t.scopes[scope] : html`${t.unknownScope} <code>${scope}</code>`;
}
