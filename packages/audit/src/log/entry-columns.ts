import { AuditError } from '../errors.ts';

/**
 * The indexed query columns stored beside each leaf. The leaf bytes are the
 * record; these copy a few of its fields so officers can search without
 * parsing every event. Adding one: a migration, a line here.
 */
export interface EntryColumns {
  /** Milliseconds since the epoch; the time of the append when absent. */
  at?: number;
  action?: string | null;
  actor?: string | null;
  subject?: string | null;
  outcome?: string | null;
  department?: string | null;
  clientId?: string | null;
  purpose?: string | null;
}

type TextColumn = Exclude<keyof EntryColumns, 'at'>;

/** Property → SQL column, in the order of the INSERT. */
export const TEXT_COLUMNS: ReadonlyArray<readonly [TextColumn, string]> = [
  ['action', 'action'],
  ['actor', 'actor'],
  ['subject', 'subject'],
  ['outcome', 'outcome'],
  ['department', 'department'],
  ['clientId', 'client_id'],
  ['purpose', 'purpose'],
];

const MAX_TEXT = 1024;

/** The column values of one entry after `idx, leaf, leaf_hash, at`. */
export function columnValues(columns: EntryColumns | undefined): Array<string | null> {
  const values: Array<string | null> = [];
  for (const [property] of TEXT_COLUMNS) {
    const value = columns?.[property] ?? null;
    if (value !== null && (typeof value !== 'string' || value.length > MAX_TEXT)) {
      throw new AuditError(
        'ERR_AUDIT_INVALID',
        `column ${property} must be text of at most ${MAX_TEXT} characters`,
      );
    }
    values.push(value);
  }
  return values;
}

export function entryTime(columns: EntryColumns | undefined, now: number): number {
  const at = columns?.at ?? now;
  if (!Number.isSafeInteger(at) || at < 0) {
    throw new AuditError('ERR_AUDIT_INVALID', 'column at must be milliseconds since the epoch');
  }
  return at;
}
