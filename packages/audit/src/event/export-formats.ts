import type { AuditEvent } from './event-schema.ts';
import { toOcsf } from './ocsf.ts';

/** The formats `export` streams: one event per line (JSONL, OCSF JSON lines) or per CSV row. */
export const EXPORT_FORMATS = ['jsonl', 'csv', 'ocsf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CSV_COLUMNS = [
  'index',
  'time',
  'actor_type',
  'actor_id',
  'department',
  'action',
  'outcome',
  'reason',
  'resource',
  'subject',
  'address',
  'client_id',
  'purpose',
  'request_id',
  'session_id',
  'recorded_by',
  'details',
] as const;

/**
 * One CSV field per RFC 4180, made inert for spreadsheets (ASVS 1.2.10): a
 * value starting with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'` so it
 * is never run as a formula when an officer opens the export.
 */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvRow(event: AuditEvent, index: number): string {
  const values: (string | number | undefined)[] = [
    index,
    event.time,
    event.actor.type,
    event.actor.id,
    event.actor.department,
    event.action,
    event.outcome,
    event.reason,
    event.target?.resource,
    event.target?.subject,
    event.source?.address,
    event.source?.clientId,
    event.purpose,
    event.requestId,
    event.sessionId,
    event.recorded.by,
    event.details === undefined ? undefined : JSON.stringify(event.details),
  ];
  return `${values.map(csvField).join(',')}\r\n`;
}

/** One line of the chosen format (the CSV header is separate). */
export function exportLine(format: ExportFormat, event: AuditEvent, index: number): string {
  switch (format) {
    case 'jsonl':
      return `${JSON.stringify({ index, event })}\n`;
    case 'ocsf':
      return `${JSON.stringify(toOcsf(event, index))}\n`;
    case 'csv':
      return csvRow(event, index);
  }
}
