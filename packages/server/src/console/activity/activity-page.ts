import { html, type Language, type SafeHtml } from '@onegate/identity';
import {
  DECRYPT_BASELINE_DAYS,
  DECRYPT_SPIKE_FACTOR,
  DECRYPT_SPIKE_MINIMUM,
  FAILED_SIGN_IN_BURST,
  FAILED_SIGN_IN_WINDOW_MS,
  type Alert,
} from './activity-alerts.ts';
import type { ActivityCounts, Series } from './activity-counts.ts';
import { ACTIVITY_MESSAGES, type ActivityMessages } from './activity-messages.ts';
import { MAX_EVENTS_SCANNED } from './activity-scan.ts';
import { NO_DEPARTMENT } from './event-department.ts';
import { chartLegend, stackedBarChart } from './svg-chart.ts';

export interface ActivityModel {
  lang: Language;
  counts: ActivityCounts;
  alerts: Alert[];
  /** Department id → its name, for labels. */
  departmentNames: Map<string, string>;
  /** Set for a department admin: the departments shown. */
  scope?: string[] | undefined;
}

/** The overview's body: alerts first (what needs a look), then one chart and its table per count. */
export function activityBody(model: ActivityModel): SafeHtml {
  const t = ACTIVITY_MESSAGES[model.lang];
  const { counts } = model;
  const label = (department: string) =>
    department === NO_DEPARTMENT ? t.noDepartment : (model.departmentNames.get(department) ?? department);
  const minutes = FAILED_SIGN_IN_WINDOW_MS / 60_000;
  return html`<p>${t.intro(counts.days.length)}</p>
    ${model.scope ? html`<p>${t.scopeDepartments(model.scope.map(label).join(', '))}</p>` : null}
    ${counts.partial ? html`<p class="notice" role="status">${t.partial(MAX_EVENTS_SCANNED)}</p>` : null}
    <section aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">${t.alertsHeading}</h2>
      ${model.alerts.length === 0 ? html`<p>${t.noAlerts}</p>` : alertTable(model.alerts, t, label)}
      <details>
        <summary>${t.thresholds}</summary>
        <p>
          ${t.thresholdsText(FAILED_SIGN_IN_BURST, minutes, DECRYPT_SPIKE_FACTOR, DECRYPT_SPIKE_MINIMUM, DECRYPT_BASELINE_DAYS)}
        </p>
      </details>
    </section>
    ${counts.series.map((s) => seriesSection(s, counts.days, t, label))}`;
}

function seriesSection(
  series: Series,
  days: string[],
  t: ActivityMessages,
  label: (department: string) => string,
): SafeHtml {
  const title = t.series[series.key];
  const rows = [...series.byDepartment.entries()]
    .map(([department, values]) => ({ name: label(department), values }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const total = rows.reduce((sum, r) => sum + r.values.reduce((a, b) => a + b, 0), 0);
  const id = `chart-${series.key}`;
  return html`<section aria-labelledby="${id}-heading" class="activity-series">
    <h2 id="${id}-heading">${title}</h2>
    ${stackedBarChart({ id, title, desc: t.chartDesc(title, days.length, total), labels: days, series: rows })}
    ${rows.length === 0 ? html`<p>${t.noEvents}</p>` : chartLegend(rows, t.legend)}
    <details>
      <summary>${t.dataTable}</summary>
      <div class="console-table-wrap">
        <table class="console-table">
          <caption>
            ${t.chartDesc(title, days.length, total)}
          </caption>
          <thead>
            <tr>
              <th scope="col">${t.department}</th>
              ${days.map((d) => html`<th scope="col">${d.slice(5)}</th>`)}
              <th scope="col">${t.total}</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (r) =>
                html`<tr>
                  <th scope="row">${r.name}</th>
                  ${r.values.map((v) => html`<td>${v}</td>`)}
                  <td>${r.values.reduce((a, b) => a + b, 0)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </details>
  </section>`;
}

function alertTable(alerts: Alert[], t: ActivityMessages, label: (department: string) => string): SafeHtml {
  return html`<div class="console-table-wrap">
    <table class="console-table">
      <thead>
        <tr>
          <th scope="col">${t.alertWhen}</th>
          <th scope="col">${t.alertWhat}</th>
          <th scope="col">${t.alertDepartment}</th>
        </tr>
      </thead>
      <tbody>
        ${alerts.map((a) => {
          const [time, text] = describe(a, t);
          return html`<tr data-alert="${a.kind}">
            <td>${time}</td>
            <td>${text}</td>
            <td>${label(a.department)}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}

/** When and what, in words. */
function describe(a: Alert, t: ActivityMessages): [string, string] {
  const minutes = FAILED_SIGN_IN_WINDOW_MS / 60_000;
  switch (a.kind) {
    case 'sign_in_burst_account':
      return [`${formatTime(a.from)} – ${formatTime(a.to)}`, t.burstAccount(a.key, a.count, minutes)];
    case 'sign_in_burst_address':
      return [`${formatTime(a.from)} – ${formatTime(a.to)}`, t.burstAddress(a.key, a.count, minutes)];
    case 'decrypt_spike':
      return [a.day, t.decryptSpike(a.key, a.count, a.median, a.day)];
    case 'purpose_outside_delegation':
      return [
        formatTime(a.last),
        t.purposeMiss(a.key, a.count, a.action, a.resource, a.purpose ?? t.noPurpose, a.delegationId),
      ];
  }
}

/** UTC, as the charts count days. */
function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
