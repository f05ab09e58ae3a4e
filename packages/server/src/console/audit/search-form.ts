import { AuditError, decodeCursor, parseFilter, type EventFilter } from '@onegate/audit';

/** The search form's fields, in form order; `clientId` is the app. */
export const FILTER_FIELDS = [
  'from',
  'to',
  'actor',
  'subject',
  'action',
  'outcome',
  'department',
  'clientId',
  'purpose',
] as const;

export type FilterField = (typeof FILTER_FIELDS)[number];

/** What the officer typed, kept as typed to fill the form again. */
export type FilterValues = Partial<Record<FilterField, string>>;

export interface SearchRequest {
  values: FilterValues;
  filter: EventFilter;
  before: number | undefined;
  /** Set when the filters could not be used; the page says why and searches nothing. */
  error: string | undefined;
}

const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?$/;

/**
 * The search from a posted form (never a query string: the subject may be an
 * ID number, ASVS 14.2.1). Empty fields are no filter; `datetime-local`
 * times are read as UTC; everything else is checked by audit's `parseFilter`.
 */
export function searchRequest(body: Record<string, unknown> | undefined): SearchRequest {
  const values: FilterValues = {};
  for (const field of FILTER_FIELDS) {
    const value = body?.[field];
    if (typeof value === 'string' && value.trim() !== '') values[field] = value.trim();
  }
  const input: Record<string, string> = {};
  for (const [field, value] of Object.entries(values) as [FilterField, string][]) {
    input[field] = (field === 'from' || field === 'to') && LOCAL_TIME.test(value) ? `${value}Z` : value;
  }
  try {
    const cursor = body?.['cursor'];
    const before = typeof cursor === 'string' && cursor !== '' ? decodeCursor(cursor) : undefined;
    return { values, filter: parseFilter(input), before, error: undefined };
  } catch (err) {
    if (!(err instanceof AuditError)) throw err;
    return { values, filter: {}, before: undefined, error: err.message };
  }
}

/**
 * The filter as recorded in the console's own audit event: which fields were
 * used, with values, except the subject, which is recorded only as given.
 */
export function describeSearch(filter: EventFilter): Record<string, string | boolean> {
  const described: Record<string, string | boolean> = {};
  for (const [key, value] of Object.entries(filter) as [keyof EventFilter, string | number][]) {
    if (key === 'subject') described['subjectGiven'] = true;
    else described[key] = key === 'from' || key === 'to' ? new Date(value).toISOString() : String(value);
  }
  return described;
}
