import type { AuditEvent } from '../event/event-schema.ts';

/** RFC 5424 facility 13, "log audit". */
const FACILITY_LOG_AUDIT = 13;
/** Severities: 6 informational for successes, 4 warning for failures and denials. */
const INFO = 6;
const WARNING = 4;
/** The private enterprise number RFC 5612 reserves for documentation; operators may set their own. */
export const DEFAULT_ENTERPRISE_ID = 32473;

/** PARAM-VALUE escaping (RFC 5424 §6.3.3): `"`, `\` and `]` are escaped. */
function paramValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** PRINTUSASCII of at most `max` characters, `-` when empty (RFC 5424 §6). */
function header(value: string | undefined, max: number): string {
  const text = (value ?? '').replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return text === '' ? '-' : text;
}

/**
 * One event as an RFC 5424 syslog message: facility "log audit", the action
 * as MSGID, the index and the fields a SIEM filters on as structured data,
 * and the whole event as UTF-8 JSON (with BOM) in MSG.
 */
export function formatSyslog(
  event: AuditEvent,
  index: number,
  options: { hostname?: string; appName?: string; enterpriseId?: number } = {},
): string {
  const severity = event.outcome === 'success' ? INFO : WARNING;
  const pri = FACILITY_LOG_AUDIT * 8 + severity;
  const id = `onegate@${options.enterpriseId ?? DEFAULT_ENTERPRISE_ID}`;
  const params: [string, string | undefined][] = [
    ['index', String(index)],
    ['outcome', event.outcome],
    ['actor', event.actor.id],
    ['subject', event.target?.subject],
    ['client', event.source?.clientId ?? event.recorded.by],
    ['purpose', event.purpose],
  ];
  const sd = `[${id}${params
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${paramValue(v!)}"`)
    .join('')}]`;
  return `<${pri}>1 ${event.time} ${header(options.hostname, 255)} ${header(options.appName ?? 'onegate', 48)} - ${header(event.action, 32)} ${sd} \uFEFF${JSON.stringify(event)}`;
}
