import { html, type Language, type SafeHtml } from '@onegate/identity';
import type { AuditService } from '@onegate/audit';
import { INTEGRITY_MESSAGES } from './integrity-messages.ts';
import type { HistoryRow, VerificationRecord } from './integrity-checks.ts';

export interface IntegrityModel {
  lang: Language;
  csrfToken: string;
  history: readonly HistoryRow[];
  witnessesConfigured: number;
  witness: AuditService['witnessStatus'];
  verification: VerificationRecord | undefined;
  verifying: boolean;
}

/** True when anything on the dashboard failed: the page then opens with the red banner. */
export function anyFailure(model: IntegrityModel): boolean {
  return (
    model.history.some((row) => !row.signatureOk || row.consistency === 'failed') ||
    (model.witnessesConfigured > 0 && model.witness?.ok === false) ||
    model.verification?.ok === false
  );
}

export function integrityBody(model: IntegrityModel): SafeHtml {
  const t = INTEGRITY_MESSAGES[model.lang];
  const latest = model.history[0];
  const state = (ok: boolean, yes: string, no: string) =>
    ok
      ? html`<span class="console-state console-state-ok">✓ ${yes}</span>`
      : html`<span class="console-state console-state-failed">✗ ${no}</span>`;
  const time = (ms: number | undefined) => (ms === undefined ? '—' : new Date(ms).toISOString());
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const v = model.verification;
  return html`${
      anyFailure(model)
        ? html`<div class="console-banner" role="alert"><p>✗ ${t.problems}</p></div>`
        : html`<p class="notice" role="status">✓ ${t.allGood}</p>`
    }
    <section class="console-panel" aria-labelledby="latest-heading">
      <h2 id="latest-heading">${t.latestHeading}</h2>
      ${
        latest
          ? html`<pre class="console-pre">${latest.note}</pre>
              <dl class="console-fields">
                <dt>${t.treeSize}</dt>
                <dd>${String(latest.checkpoint.size)}</dd>
                <dt>${t.signedAt}</dt>
                <dd>${time(latest.checkpoint.time)}</dd>
                <dt>${t.signature}</dt>
                <dd>${state(latest.signatureOk, t.signatureOk, t.signatureFailed)}</dd>
              </dl>`
          : html`<p>${t.noCheckpoint}</p>`
      }
    </section>
    <section class="console-panel" aria-labelledby="history-heading">
      <h2 id="history-heading">${t.historyHeading}</h2>
      <div class="console-table-wrap">
        <table class="console-table">
          <caption>
            ${t.historyCaption(model.history.length)}
          </caption>
          <thead>
            <tr>
              <th scope="col">${t.treeSize}</th>
              <th scope="col">${t.signedAt}</th>
              <th scope="col">Root</th>
              <th scope="col">${t.signature}</th>
              <th scope="col">${t.consistency}</th>
            </tr>
          </thead>
          <tbody>
            ${model.history.map(
              (row) =>
                html`<tr>
                  <td>${String(row.checkpoint.size)}</td>
                  <td>${time(row.checkpoint.time)}</td>
                  <td><code>${hex(row.checkpoint.root)}</code></td>
                  <td>${state(row.signatureOk, t.signatureOk, t.signatureFailed)}</td>
                  <td>
                    ${
                      row.consistency === 'first'
                        ? t.consistencyFirst
                        : state(row.consistency === 'ok', t.consistencyOk, t.consistencyFailed)
                    }
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>
    <section class="console-panel" aria-labelledby="witness-heading">
      <h2 id="witness-heading">${t.witnessHeading}</h2>
      <p>
        ${
          model.witnessesConfigured === 0
            ? t.witnessNone
            : model.witness === undefined
              ? t.witnessNotYet
              : html`${state(model.witness.ok, t.witnessOk(model.witness.size), t.witnessFailed(model.witness.size))}
                  <span>${t.at}: ${time(model.witness.at)}</span>`
        }
      </p>
    </section>
    <section class="console-panel" aria-labelledby="verify-heading">
      <h2 id="verify-heading">${t.verifyHeading}</h2>
      ${model.verifying && html`<p role="status">${t.verifyRunning}</p>`}
      ${
        v
          ? html`<p>${state(v.ok, t.verifyOk(v.size), t.verifyFailed(v.size, v.firstBadIndex ?? 0))}</p>
              <p>${t.at}: ${v.at} · ${t.verifyBy(v.actor)}</p>`
          : html`<p>${t.verifyNever}</p>`
      }
      <form method="post" action="/console/integrity/verify">
        <input type="hidden" name="csrf" value="${model.csrfToken}" />
        <button type="submit" class="button console-inline-button">${t.verifyNow}</button>
        <p class="hint">${t.verifyHint}</p>
      </form>
    </section>`;
}
