import { html, type SafeHtml } from './html.ts';
import { layout, type PageContext } from './layout.ts';
import { MESSAGES, type Messages } from './messages.ts';
import type { Language } from './negotiate-language.ts';

/** OneGate serves Chinese government: times are shown in China Standard Time, and say so. */
export const DATA_ACCESS_TIME_ZONE = 'Asia/Shanghai';

export type DataAccessNotice = 'reported' | 'report_refused';

export interface DataAccessRow {
  index: number;
  at: number;
  department?: string | undefined;
  app?: string | undefined;
  officialName?: string | undefined;
  officialId: string;
  byApp: boolean;
  field?: string | undefined;
  resource?: string | undefined;
  purpose?: string | undefined;
  outcome: 'success' | 'failure' | 'denied';
}

export interface DataAccessPageModel extends PageContext {
  rows: readonly DataAccessRow[];
  csrfToken: string;
  notice?: DataAccessNotice | undefined;
  /** The link to the next (older) page, when there is one. */
  olderUrl?: string | undefined;
  /** Shown on a later page: back to the newest. */
  newestUrl?: string | undefined;
}

/**
 * `/account/data-access`: every access to the citizen's personal data in the
 * audit log, newest first, each with a form to report it. Forms and links
 * only, no script; a list of entries rather than a wide table, so that it
 * reads on a phone.
 */
export function dataAccessPage(model: DataAccessPageModel): string {
  const t = MESSAGES[model.lang];
  const d = t.dataAccess;
  const notice =
    model.notice === 'reported'
      ? html`<div class="notice" role="status" tabindex="-1" id="notice"><p>${d.reported}</p></div>`
      : model.notice === 'report_refused'
        ? html`<div class="notice notice-error" role="alert" tabindex="-1" id="notice">
            <p>${d.reportRefused}</p>
          </div>`
        : html``;
  const entries =
    model.rows.length === 0
      ? html`<p data-testid="no-accesses">${d.none}</p>`
      : html`<ol class="accesses" data-testid="accesses">
          ${model.rows.map((row) => entry(model.lang, t, row, model.csrfToken))}
        </ol>`;
  const content = html`<h1>${d.title}</h1>
    ${notice}
    <p class="lead">${d.intro}</p>
    <p class="hint">${d.timeZone}</p>
    ${entries}
    <nav aria-label="${d.pages}">
      <p>
        ${model.newestUrl && html`<a href="${model.newestUrl}">${d.newest}</a>`}
        ${model.olderUrl && html`<a href="${model.olderUrl}" rel="next">${d.older}</a>`}
      </p>
    </nav>
    <p><a href="/account/data-access/export.csv" download>${d.exportCsv}</a></p>
    <p><a href="/account">${d.back}</a></p>`;
  return layout({ lang: model.lang, currentUrl: model.currentUrl, title: d.title, content });
}

function entry(lang: Language, t: Messages, row: DataAccessRow, csrfToken: string): SafeHtml {
  const d = t.dataAccess;
  const item = (label: string, value: string | undefined) =>
    html`<dt>${label}</dt>
      <dd>${value ?? d.unknown}</dd>`;
  const headingId = `access-${row.index}`;
  const noteId = `note-${row.index}`;
  return html`<li class="access" aria-labelledby="${headingId}">
    <h2 id="${headingId}">
      <time datetime="${new Date(row.at).toISOString()}">${localTime(lang, row.at)}</time>
    </h2>
    <dl class="profile">
      ${item(d.department, row.department)} ${item(d.app, row.app)}
      ${item(d.official, row.byApp ? d.byApp : official(row))}
      ${item(d.field, row.field === undefined ? undefined : (d.fields[row.field] ?? row.field))}
      ${row.resource && html`<dd class="hint">${row.resource}</dd>`} ${item(d.purpose, row.purpose)}
      ${item(d.outcome, d.outcomes[row.outcome])}
    </dl>
    <form method="post" action="/account/data-access/report">
      <input type="hidden" name="csrf" value="${csrfToken}" />
      <input type="hidden" name="event" value="${row.index}" />
      <div class="field">
        <label for="${noteId}">${d.reportNote}</label>
        <input type="text" id="${noteId}" name="note" maxlength="500" />
      </div>
      <button type="submit" class="button button-secondary" aria-describedby="${headingId}">
        ${d.report}
      </button>
    </form>
  </li>`;
}

function official(row: DataAccessRow): string {
  return row.officialName === undefined ? row.officialId : `${row.officialName} (${row.officialId})`;
}

/** `2026-05-02 14:03:07` in China Standard Time, the same in both languages (ISO order reads in both). */
export function localTime(lang: Language, ms: number): string {
  const parts = new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: DATA_ACCESS_TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}
