import { randomBytes } from 'node:crypto';
import type { AcrLevel } from '@onegate/authz';

/** The create form's fields as typed, kept to fill the form again after an error. */
export interface DelegationFormValues {
  id: string;
  fromDepartment: string;
  toDepartment: string;
  toRole: string;
  resources: string;
  actions: string;
  purposes: string;
  notBefore: string;
  expiresAt: string;
  minAcr: string;
  reason: string;
}

const FIELDS: ReadonlyArray<keyof DelegationFormValues> = [
  'id',
  'fromDepartment',
  'toDepartment',
  'toRole',
  'resources',
  'actions',
  'purposes',
  'notBefore',
  'expiresAt',
  'minAcr',
  'reason',
];

export const ACR_LEVELS: readonly AcrLevel[] = ['low', 'substantial', 'high'];

export function emptyForm(today: string): DelegationFormValues {
  return {
    id: '',
    fromDepartment: '',
    toDepartment: '',
    toRole: '',
    resources: '',
    actions: 'read',
    purposes: '',
    notBefore: today,
    expiresAt: '',
    minAcr: 'substantial',
    reason: '',
  };
}

export function formValues(body: Record<string, unknown>): DelegationFormValues {
  const values = {} as DelegationFormValues;
  for (const field of FIELDS) {
    const v = body[field];
    values[field] = typeof v === 'string' ? v.slice(0, 4000) : '';
  }
  return values;
}

/** A field this form could not read; authz checks everything else. */
export class FormProblem extends Error {
  readonly field: keyof DelegationFormValues;

  constructor(field: keyof DelegationFormValues) {
    super(`${field} is not a date`);
    this.field = field;
  }
}

/**
 * The request AuthzService.createDelegation takes. Lists are one per line
 * or comma-separated; dates are UTC days (valid from the start of
 * `notBefore`, ending at the start of `expiresAt`). An empty id gets one made
 * up. Authz validates the rest and its message is shown as is.
 */
export function delegationRequest(values: DelegationFormValues, now: number): Record<string, unknown> {
  const list = (text: string) =>
    text
      .split(/[\n,，]/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return {
    id:
      values.id.trim() ||
      `${values.fromDepartment.trim() || 'delegation'}-${new Date(now).toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`,
    fromDepartment: values.fromDepartment.trim(),
    toDepartment: values.toDepartment.trim(),
    toRole: values.toRole.trim(),
    resources: list(values.resources),
    actions: list(values.actions),
    purposes: list(values.purposes),
    notBefore: utcDay(values.notBefore, 'notBefore'),
    expiresAt: utcDay(values.expiresAt, 'expiresAt'),
    minAcr: values.minAcr || 'substantial',
    reason: values.reason.trim(),
  };
}

function utcDay(text: string, field: 'notBefore' | 'expiresAt'): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== text.trim())
    throw new FormProblem(field);
  return ms;
}
