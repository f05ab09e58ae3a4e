import { html, type Language, type SafeHtml } from '@onegate/identity';
import { AUDIT_MESSAGES } from './audit-messages.ts';
import type { InclusionView } from './inclusion-view.ts';

export interface EventPageModel {
  lang: Language;
  index: number;
  /** The stored event, parsed from its leaf bytes. */
  event: Record<string, unknown>;
  proof: InclusionView;
}

/**
 * Every field of the event, each value as text (HTML-escaped by `html`), the
 * stored bytes, and the "prove it" panel. The panel's script reads only the
 * text of its elements and writes only text (ASVS 3.2.2): it recomputes the
 * root from the leaf and the proof shown, so what is verified is what is shown.
 */
export function eventBody(model: EventPageModel): SafeHtml {
  const t = AUDIT_MESSAGES[model.lang];
  const { checkpoint, leaf, hashes, index } = model.proof;
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  return html`<p><a href="/console/audit">${t.backToSearch}</a></p>
    <section class="console-panel" aria-labelledby="fields-heading">
      <h2 id="fields-heading">${t.fieldsHeading}</h2>
      <dl class="console-fields">
        ${flatten(model.event).map(
          ([path, value]) =>
            html`<dt>${path}</dt>
              <dd>${value}</dd>`,
        )}
      </dl>
      <h3>${t.rawHeading}</h3>
      <pre class="console-pre">${leaf.toString('utf8')}</pre>
    </section>
    <section class="console-panel" aria-labelledby="prove-heading">
      <h2 id="prove-heading">${t.proveHeading}</h2>
      <p>${t.proveIntro}</p>
      <h3>${t.checkpointHeading}</h3>
      <pre class="console-pre" id="checkpoint-note">${checkpoint.note}</pre>
      <p>
        ${
          checkpoint.signatureOk
            ? html`<span class="console-state console-state-ok">✓ ${t.signatureChecked}</span>`
            : html`<span class="console-state console-state-failed" role="alert"
                >✗ ${t.signatureFailed}</span
              >`
        }
      </p>
      <p class="hint">${t.signatureNote}</p>
      <div
        id="proof"
        data-index="${String(index)}"
        data-size="${String(checkpoint.checkpoint.size)}"
        data-verifying="${t.verifying}"
        data-verified="${t.verified}"
        data-failed="${t.failed}"
      >
        <dl class="console-fields">
          <dt>${t.index}</dt>
          <dd>${String(index)}</dd>
          <dt>${t.treeSize}</dt>
          <dd>${String(checkpoint.checkpoint.size)}</dd>
          <dt>${t.signedRoot}</dt>
          <dd><code id="signed-root">${hex(checkpoint.checkpoint.root)}</code></dd>
          <dt>${t.recomputedRoot}</dt>
          <dd><code id="recomputed-root">…</code></dd>
          <dt>${t.stateLabel}</dt>
          <dd>
            <span
              id="proof-state"
              class="console-state console-state-pending"
              role="status"
              aria-live="polite"
              >${t.noScript}</span
            >
          </dd>
        </dl>
        <h3>${t.leafHeading}</h3>
        <pre class="console-pre" id="proof-leaf">${leaf.toString('base64')}</pre>
        <h3>${t.proofHeading}</h3>
        ${
          hashes.length === 0
            ? html`<p>${t.proofEmpty}</p>`
            : html`<ol class="console-hashes" id="proof-hashes">
                ${hashes.map((h) => html`<li><code>${hex(h)}</code></li>`)}
              </ol>`
        }
      </div>
    </section>`;
}

/** `a.b.c` → text rows, arrays and objects walked, other values as JSON text. */
function flatten(value: unknown, path = ''): Array<[string, string]> {
  if (value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) =>
      flatten(inner, path ? `${path}.${key}` : key),
    );
  }
  return [[path, typeof value === 'string' ? value : JSON.stringify(value)]];
}
