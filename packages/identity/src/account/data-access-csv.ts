import { localTime } from '../pages/data-access-page.ts';
import { MESSAGES } from '../pages/messages.ts';
import type { Language } from '../pages/negotiate-language.ts';
import type { AccessView } from './data-access-view.ts';

/**
 * The citizen's accesses as CSV (RFC 4180, CRLF), in the page's language: the
 * same masked rows the page shows. A cell starting with `=`, `+`, `-`, `@`,
 * tab or CR gets a leading `'`, so a spreadsheet never runs it as a formula.
 */
export function accessesCsv(lang: Language, views: readonly AccessView[]): string {
  const d = MESSAGES[lang].dataAccess;
  const lines = [
    d.csvHeader,
    ...views.map((v) => [
      localTime(lang, v.at),
      v.department ?? '',
      v.app ?? '',
      v.byApp ? d.byApp : (v.officialName ?? ''),
      v.byApp ? '' : v.officialId,
      v.field ?? '',
      v.resource ?? '',
      v.purpose ?? '',
      d.outcomes[v.outcome],
      String(v.index),
    ]),
  ];
  // A byte order mark, so that spreadsheet programs read the Chinese text as UTF-8.
  return `\ufeff${lines.map((cells) => cells.map(cell).join(',')).join('\r\n')}\r\n`;
}

function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
