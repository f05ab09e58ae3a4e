import { EXPORT_FORMATS, type QueriedEvent } from '@onegate/audit';
import { html, type Language, type SafeHtml } from '@onegate/identity';
import { AUDIT_MESSAGES } from './audit-messages.ts';
import { FILTER_FIELDS, type FilterField, type FilterValues } from './search-form.ts';

export interface SearchPageModel {
  lang: Language;
  csrfToken: string;
  values: FilterValues;
  error: string | undefined;
  events: readonly QueriedEvent[];
  /** The cursor of the next page, when there is one. */
  nextCursor: string | undefined;
}

const OUTCOMES = ['success', 'failure', 'denied'] as const;

/** The search form, the results table (newest first) and the export form, all posting the same filters. */
export function searchBody(model: SearchPageModel): SafeHtml {
  const t = AUDIT_MESSAGES[model.lang];
  const v = model.values;
  const label: Record<FilterField, string> = {
    from: t.from,
    to: t.to,
    actor: t.actor,
    subject: t.subject,
    action: t.action,
    outcome: t.outcome,
    department: t.department,
    clientId: t.app,
    purpose: t.purpose,
  };
  const text = (field: FilterField, type = 'text') =>
    html`<div class="field">
      <label for="f-${field}">${label[field]}</label>
      <input
        type="${type}"
        id="f-${field}"
        name="${field}"
        value="${v[field] ?? ''}"
        maxlength="256"
        autocomplete="off"
        ${field === 'subject' ? html`aria-describedby="f-subject-hint"` : ''}
      />
      ${field === 'subject' && html`<p class="hint" id="f-subject-hint">${t.subjectHint}</p>`}
    </div>`;
  const hidden = (extra: Record<string, string> = {}) =>
    html`<input type="hidden" name="csrf" value="${model.csrfToken}" />${FILTER_FIELDS.filter(
        (f) => v[f] !== undefined,
      ).map(
        (f) => html`<input type="hidden" name="${f}" value="${v[f]}" />`,
      )}${Object.entries(extra).map(([k, value]) => html`<input type="hidden" name="${k}" value="${value}" />`)}`;

  return html`<section class="console-panel" aria-labelledby="filters-heading">
      <h2 id="filters-heading">${t.filtersHeading}</h2>
      ${
        model.error &&
        html`<div class="notice notice-error" role="alert">
          <p>${t.invalidFilter}<span lang="en">${model.error}</span></p>
        </div>`
      }
      <form method="post" action="/console/audit/search" class="console-search">
        <input type="hidden" name="csrf" value="${model.csrfToken}" />
        <p class="hint">${t.timesHint}</p>
        <div class="console-filters">
          ${text('from', 'datetime-local')} ${text('to', 'datetime-local')} ${text('actor')}
          ${text('subject')} ${text('action')}
          <div class="field">
            <label for="f-outcome">${t.outcome}</label>
            <select id="f-outcome" name="outcome">
              <option value="">${t.anyOutcome}</option>
              ${OUTCOMES.map((o) =>
                o === v.outcome
                  ? html`<option value="${o}" selected>${t.outcomes[o]}</option>`
                  : html`<option value="${o}">${t.outcomes[o]}</option>`,
              )}
            </select>
          </div>
          ${text('department')} ${text('clientId')} ${text('purpose')}
        </div>
        <div class="console-actions">
          <button type="submit" class="button">${t.search}</button>
          <a href="/console/audit">${t.clear}</a>
        </div>
      </form>
    </section>
    ${results(model)}
    <section class="console-panel" aria-labelledby="export-heading">
      <h2 id="export-heading">${t.exportHeading}</h2>
      <form method="post" action="/console/audit/export">
        ${hidden()}
        <div class="console-actions">
          <label for="f-format">${t.format}</label>
          <select id="f-format" name="format">
            ${EXPORT_FORMATS.map((f) => html`<option value="${f}">${f.toUpperCase()}</option>`)}
          </select>
          <button type="submit" class="button button-secondary">${t.exportButton}</button>
        </div>
        <p class="hint">${t.exportHint}</p>
      </form>
    </section>
    ${
      model.nextCursor === undefined
        ? ''
        : html`<form method="post" action="/console/audit/search" class="console-pager">
            ${hidden({ cursor: model.nextCursor })}
            <button type="submit" class="button button-secondary console-inline-button">${t.nextPage}</button>
          </form>`
    }`;
}

function results(model: SearchPageModel): SafeHtml {
  const t = AUDIT_MESSAGES[model.lang];
  if (model.error) return html``;
  if (model.events.length === 0) return html`<p role="status">${t.noResults}</p>`;
  return html`<div class="console-table-wrap">
    <table class="console-table">
      <caption role="status">
        ${t.resultsCaption(model.events.length, model.nextCursor !== undefined)}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t.index}</th>
          <th scope="col">${t.time}</th>
          <th scope="col">${t.action}</th>
          <th scope="col">${t.outcome}</th>
          <th scope="col">${t.actor}</th>
          <th scope="col">${t.subject}</th>
          <th scope="col">${t.department}</th>
          <th scope="col">${t.app}</th>
          <th scope="col">${t.purpose}</th>
        </tr>
      </thead>
      <tbody>
        ${model.events.map(
          ({ index, event }) =>
            html`<tr>
              <td>
                <a href="/console/audit/events/${String(index)}" aria-label="${t.open(index)}"
                  >${String(index)}</a
                >
              </td>
              <td>
                <time datetime="${event.time}"
                  >${event.time.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}</time
                >
              </td>
              <td><code>${event.action}</code></td>
              <td>${t.outcomes[event.outcome]}</td>
              <td>${event.actor.id}</td>
              <td>${event.target?.subject ?? ''}</td>
              <td>${event.actor.department ?? ''}</td>
              <td>${appOf(event)}</td>
              <td>${event.purpose ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** The app as search filters it: the writer, or for OneGate's own events the app it acted for. */
export function appOf(event: QueriedEvent['event']): string {
  return event.recorded.by === 'onegate' ? (event.source?.clientId ?? 'onegate') : event.recorded.by;
}
