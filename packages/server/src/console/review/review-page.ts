import { html, type Language, type SafeHtml } from '@onegate/identity';
import type { AccessPath, ExplainedLine } from '@onegate/authz';
import type { Officer } from '../console-auth.ts';
import { REVIEW_MESSAGES, type ReviewMessages } from './review-messages.ts';
import type { ReviewAnswer, ReviewQuery } from './review-query.ts';

export interface ReviewModel {
  lang: Language;
  officer: Officer;
  query?: ReviewQuery | undefined;
  answer?: ReviewAnswer | undefined;
  /** Why the review did not run, already in the officer's language. */
  error?: string | undefined;
}

/** The two forms, then the answer (or the error) under the form that asked. */
export function reviewBody(model: ReviewModel): SafeHtml {
  const t = REVIEW_MESSAGES[model.lang];
  const q = model.query;
  const who = q?.kind === 'who' ? q : undefined;
  const what = q?.kind === 'what' ? q : undefined;
  const error = model.error
    ? html`<div class="notice notice-error" role="alert" tabindex="-1" id="review-error">
        <h2>${t.errorHeading}</h2>
        <p>${model.error}</p>
      </div>`
    : null;
  return html`<p>${t.intro}</p>
    <p>
      ${model.officer.securityOfficer ? t.scopeAll : t.scopeDepartments(model.officer.departmentAdminOf.join(', '))}
    </p>
    <section aria-labelledby="who-heading" class="console-panel">
      <h2 id="who-heading">${t.whoHeading}</h2>
      <form method="get" action="/console/review" class="console-form">
        ${field('resource', t.resourceLabel, t.resourceHint, who?.resource, true)}
        ${field('action', t.actionLabel, t.actionHint, who?.action ?? 'read', true)}
        ${field('purpose', t.purposeLabel, t.purposeHint, who?.purpose, false)}
        <div class="actions"><button class="button" type="submit">${t.whoSubmit}</button></div>
      </form>
      ${who ? error : null} ${model.answer?.kind === 'who' ? whoAnswer(model.answer, t) : null}
    </section>
    <section aria-labelledby="what-heading" class="console-panel">
      <h2 id="what-heading">${t.whatHeading}</h2>
      <form method="get" action="/console/review" class="console-form">
        ${field('person', t.personLabel, t.personHint, what?.person, true)}
        ${field('department', t.departmentLabel, t.departmentHint, what?.department, false)}
        <div class="actions"><button class="button" type="submit">${t.whatSubmit}</button></div>
      </form>
      ${what ? error : null} ${model.answer?.kind === 'what' ? whatAnswer(model.answer, t) : null}
    </section>`;
}

function field(
  name: string,
  label: string,
  hint: string,
  value: string | undefined,
  required: boolean,
): SafeHtml {
  return html`<div class="field">
    <label for="review-${name}">${label}</label>
    <input
      type="text"
      id="review-${name}"
      name="${name}"
      value="${value ?? ''}"
      aria-describedby="review-${name}-hint"
      autocomplete="off"
      spellcheck="false"
      ${required ? html` required` : null}
    />
    <p class="hint" id="review-${name}-hint">${hint}</p>
  </div>`;
}

function exportLink(answer: ReviewAnswer, t: ReviewMessages): SafeHtml {
  const params = new URLSearchParams();
  const q = answer.query;
  if (q.kind === 'who') {
    params.set('resource', q.resource);
    params.set('action', q.action);
    if (q.purpose) params.set('purpose', q.purpose);
  } else {
    params.set('person', q.person);
    if (q.department) params.set('department', q.department);
  }
  return html`<p>
    <a class="button button-secondary" href="/console/review/export.csv?${params.toString()}" download
      >${t.exportCsv}</a
    >
  </p>`;
}

function person(id: string, names: Map<string, string>): SafeHtml {
  const name = names.get(id);
  return name ? html`${name} <code>${id}</code>` : html`<code>${id}</code>`;
}

function how(line: ExplainedLine, t: ReviewMessages): SafeHtml {
  return html`${t.via[line.via]}${line.reachedFrom ? html` (${t.reachedFrom(line.reachedFrom)})` : null}`;
}

function source(line: ExplainedLine, t: ReviewMessages): string {
  return line.delegationId !== undefined
    ? t.delegation(line.delegationId)
    : line.ruleId !== undefined
      ? t.rule(line.ruleId)
      : '';
}

function whoAnswer(answer: ReviewAnswer & { kind: 'who' }, t: ReviewMessages): SafeHtml {
  const r = answer.result;
  const head = html`<tr>
    <th scope="col">${t.person}</th>
    <th scope="col">${t.how}</th>
    <th scope="col">${t.rolePath}</th>
    <th scope="col">${t.heldIn}</th>
    <th scope="col">${t.grantedBy}</th>
    <th scope="col">${t.purposes}</th>
    <th scope="col">${t.minAcr}</th>
    <th scope="col">${t.validUntil}</th>
  </tr>`;
  const row = (p: AccessPath, extra?: string) =>
    html`<tr>
      <td>${person(p.subject, answer.names)}</td>
      <td>${how(p, t)}</td>
      <td>${p.rolePath.join(' → ')}</td>
      <td>${p.heldIn}</td>
      <td>${source(p, t)}</td>
      <td>${p.purpose === '*' ? t.anyPurpose : p.purpose}</td>
      <td>${p.minAcr ?? ''}</td>
      <td>${p.validUntil ?? t.forever}</td>
      ${extra === undefined ? null : html`<td>${extra}</td>`}
    </tr>`;
  return html`<div class="review-answer" id="review-answer">
    <h3>${t.whoResult(r.action, r.resource, r.purpose, r.at)}</h3>
    ${r.access.length === 0 ? html`<p>${t.nobody}</p>` : html`<div class="console-table-wrap"><table class="console-table"><thead>${head}</tr></thead><tbody>${r.access.map((p) => row(p))}</tbody></table></div>`}
    ${r.blocked.length === 0 ? null : html`<h4>${t.blockedHeading}</h4><div class="console-table-wrap"><table class="console-table"><thead>${head}<th scope="col">${t.deniedBy}</th></tr></thead><tbody>${r.blocked.map((p) => row(p, p.deniedBy))}</tbody></table></div>`}
    ${exportLink(answer, t)}
  </div>`;
}

function whatAnswer(answer: ReviewAnswer & { kind: 'what' }, t: ReviewMessages): SafeHtml {
  const r = answer.result;
  const name = answer.names.get(r.subject);
  return html`<div class="review-answer" id="review-answer">
    <h3>${t.whatResult(name ? `${name} (${r.subject})` : r.subject, r.at)}</h3>
    ${
      r.grants.length === 0
        ? html`<p>${t.nothing}</p>`
        : html`<div class="console-table-wrap">
            <table class="console-table">
              <thead>
                <tr>
                  <th scope="col">${t.effect}</th>
                  <th scope="col">${t.resource}</th>
                  <th scope="col">${t.action}</th>
                  <th scope="col">${t.purposes}</th>
                  <th scope="col">${t.how}</th>
                  <th scope="col">${t.rolePath}</th>
                  <th scope="col">${t.grantedBy}</th>
                  <th scope="col">${t.minAcr}</th>
                  <th scope="col">${t.validUntil}</th>
                </tr>
              </thead>
              <tbody>
                ${r.grants.map(
                  (g) =>
                    html`<tr>
                      <td>${g.effect === 'allow' ? t.allow : t.deny}</td>
                      <td>${g.resource}</td>
                      <td>${g.action}</td>
                      <td>${g.purpose === '*' ? t.anyPurpose : g.purpose}</td>
                      <td>${how(g, t)}</td>
                      <td>${g.rolePath.join(' → ')}</td>
                      <td>${source(g, t)}</td>
                      <td>${g.minAcr ?? ''}</td>
                      <td>${g.validUntil ?? t.forever}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
    ${exportLink(answer, t)}
  </div>`;
}
