import { html, type Language, type SafeHtml } from '@onegate/identity';
import type { Delegation, Department } from '@onegate/authz';
import type { Officer } from '../console-auth.ts';
import { ACR_LEVELS, type DelegationFormValues } from './delegation-form.ts';
import { DELEGATION_MESSAGES, type DelegationMessages } from './delegation-messages.ts';
import { daysLeft, delegationState, ownsDelegation, type DelegationState } from './delegation-status.ts';

/** The console's state badges: green in force, red ending soon, grey otherwise. */
const STATE_STYLE: Record<DelegationState, 'ok' | 'failed' | 'pending'> = {
  pending: 'pending',
  scheduled: 'pending',
  active: 'ok',
  expiring: 'failed',
  expired: 'pending',
  revoked: 'pending',
};

export interface DelegationsModel {
  lang: Language;
  officer: Officer;
  now: number;
  delegations: Delegation[];
  departments: Department[];
  form: DelegationFormValues;
  /** The create form's refusal, shown above it. */
  formError?: string | undefined;
  /** An approve or revoke refused, shown above the list. */
  actionError?: string | undefined;
  done?: { kind: 'created' | 'approved' | 'revoked'; id: string } | undefined;
}

export function delegationsBody(model: DelegationsModel): SafeHtml {
  const t = DELEGATION_MESSAGES[model.lang];
  const canCreate = model.officer.departmentAdminOf.length > 0;
  return html`<p>${t.intro}</p>
    ${canCreate ? null : html`<p>${t.readOnly}</p>`}
    ${model.done ? html`<div class="notice" role="status"><p>${t.done[model.done.kind](model.done.id)}</p></div>` : null}
    ${model.actionError ? errorBox(t, model.actionError, 'action-error') : null}
    <section aria-labelledby="list-heading">
      <h2 id="list-heading">${t.listHeading}</h2>
      ${model.delegations.length === 0 ? html`<p>${t.none}</p>` : list(model, t)}
    </section>
    ${canCreate ? createForm(model, t) : null}`;
}

function errorBox(t: DelegationMessages, message: string, id: string): SafeHtml {
  return html`<div class="notice notice-error" role="alert" id="${id}" tabindex="-1">
    <h2>${t.errorHeading}</h2>
    <p>${message}</p>
  </div>`;
}

function date(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function list(model: DelegationsModel, t: DelegationMessages): SafeHtml {
  const csrf = model.officer.csrfToken;
  return html`<div class="console-table-wrap">
    <table class="console-table">
      <thead>
        <tr>
          <th scope="col">${t.id}</th>
          <th scope="col">${t.sharing}</th>
          <th scope="col">${t.scope}</th>
          <th scope="col">${t.window}</th>
          <th scope="col">${t.status}</th>
          <th scope="col">${t.people}</th>
          <th scope="col">${t.approve} / ${t.revoke}</th>
        </tr>
      </thead>
      <tbody>
        ${model.delegations.map((d) => {
          const state = delegationState(d, model.now);
          const owner = ownsDelegation(model.officer, d);
          const canApprove = owner && state === 'pending';
          const canRevoke = owner && state !== 'revoked' && state !== 'expired';
          return html`<tr data-delegation="${d.id}" data-state="${state}">
            <th scope="row"><code>${d.id}</code></th>
            <td>
              ${t.sharingText(d.fromDepartment, d.toDepartment, d.toRole)}<br /><span class="hint"
                >${t.reason}: ${d.reason}</span
              >
            </td>
            <td>${d.resources.join(', ')}<br />${d.actions.join(', ')} · ${d.purposes.join(', ')}</td>
            <td>${date(d.notBefore)} – ${date(d.expiresAt)}</td>
            <td>
              <span class="console-state console-state-${STATE_STYLE[state]}"
                >${state === 'expiring' ? html`<span aria-hidden="true">⚠ </span>` : null}${t.states[state]}</span
              >${state === 'expiring' || state === 'active' ? html`<br /><span class="hint">${t.expiresIn(daysLeft(d, model.now))}</span>` : null}
            </td>
            <td>
              ${t.createdBy(d.createdBy)}${d.approvedBy ? html`<br />${t.approvedBy(d.approvedBy)}` : null}
            </td>
            <td>
              ${
                canApprove
                  ? html`<form method="post" action="/console/delegations/${d.id}/approve">
                      <input type="hidden" name="csrf" value="${csrf}" /><button
                        class="button"
                        type="submit"
                        aria-label="${t.approve} ${d.id}"
                      >
                        ${t.approve}
                      </button>
                    </form>`
                  : null
              }
              ${
                canRevoke
                  ? html`<form method="post" action="/console/delegations/${d.id}/revoke">
                      <input type="hidden" name="csrf" value="${csrf}" /><label for="revoke-${d.id}"
                        >${t.revokeReason}</label
                      ><input type="text" id="revoke-${d.id}" name="reason" maxlength="1000" /><button
                        class="button button-secondary"
                        type="submit"
                        aria-label="${t.revoke} ${d.id}"
                      >
                        ${t.revoke}
                      </button>
                    </form>`
                  : null
              }
            </td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}

function createForm(model: DelegationsModel, t: DelegationMessages): SafeHtml {
  const v = model.form;
  const input = (name: keyof DelegationFormValues, type = 'text', required = true) =>
    html`<div class="field">
      <label for="d-${name}">${t.labels[name]}</label>
      <input
        type="${type}"
        id="d-${name}"
        name="${name}"
        value="${v[name]}"
        ${required ? html` required` : null}${t.hints[name] ? html` aria-describedby="d-${name}-hint"` : null}
      />
      ${t.hints[name] ? html`<p class="hint" id="d-${name}-hint">${t.hints[name]}</p>` : null}
    </div>`;
  const select = (name: keyof DelegationFormValues, options: Array<[string, string]>) =>
    html`<div class="field">
      <label for="d-${name}">${t.labels[name]}</label>
      <select id="d-${name}" name="${name}" required>
        ${options.map(
          ([value, text]) =>
            html`<option value="${value}" ${value === v[name] ? html` selected` : null}>${text}</option>`,
        )}
      </select>
    </div>`;
  const area = (name: keyof DelegationFormValues) =>
    html`<div class="field">
      <label for="d-${name}">${t.labels[name]}</label>
      <textarea id="d-${name}" name="${name}" rows="3" required aria-describedby="d-${name}-hint">
${v[name]}</textarea>
      <p class="hint" id="d-${name}-hint">${t.hints[name] ?? ''}</p>
    </div>`;
  const name = (d: Department) => `${d.name} (${d.id})`;
  const mine = model.departments.filter((d) => model.officer.departmentAdminOf.includes(d.id));
  return html`<section aria-labelledby="create-heading" class="console-panel">
    <h2 id="create-heading">${t.createHeading}</h2>
    <p>${t.createIntro}</p>
    ${model.formError ? errorBox(t, model.formError, 'form-error') : null}
    <form method="post" action="/console/delegations" class="console-form">
      <input type="hidden" name="csrf" value="${model.officer.csrfToken}" />
      ${input('id', 'text', false)}
      ${select(
        'fromDepartment',
        mine.map((d) => [d.id, name(d)]),
      )}
      ${select('toDepartment', [['', '—'], ...model.departments.map((d): [string, string] => [d.id, name(d)])])}
      ${input('toRole')} ${area('resources')} ${input('actions')} ${input('purposes')}
      ${input('notBefore', 'date')} ${input('expiresAt', 'date')}
      ${select(
        'minAcr',
        ACR_LEVELS.map((l) => [l, l]),
      )}
      ${area('reason')}
      <div class="actions"><button class="button" type="submit">${t.create}</button></div>
    </form>
  </section>`;
}
