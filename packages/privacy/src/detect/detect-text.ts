import { PrivacyError } from '../errors.ts';
import { isPersonalDataKind } from '../validators/kinds.ts';
import { accept } from './accept.ts';
import { CANDIDATES } from './candidates.ts';
import { PRIORITY, type DetectKind, type DetectOptions, type TextFinding } from './findings.ts';
import { mayHoldPersonalData } from './prefilter.ts';

const ALL_KINDS: ReadonlySet<DetectKind> = new Set(PRIORITY);

/** The kinds asked for, checked (ERR_PRIVACY_INVALID); check once per call, not per string. */
export function kindsOf(options: DetectOptions): ReadonlySet<DetectKind> {
  const kinds = options.kinds;
  if (kinds === undefined) return ALL_KINDS;
  if (!Array.isArray(kinds) || !kinds.every(isPersonalDataKind)) {
    throw new PrivacyError('ERR_PRIVACY_INVALID', 'kinds must list known kinds of personal data');
  }
  return new Set(kinds);
}

export function checkText(text: unknown): asserts text is string {
  if (typeof text !== 'string') throw new PrivacyError('ERR_PRIVACY_INVALID', 'only text can be scanned');
}

const WIDE = /[\u3000\uff01-\uff5e]/g;
const HAS_WIDE = /[\u3000\uff01-\uff5e]/;

/**
 * Full-width ASCII (`１３８…`, typed by Chinese input methods) and the
 * ideographic space as plain ASCII. One UTF-16 unit each way, so offsets
 * into the folded text are offsets into the original.
 */
function foldWidth(text: string): string {
  if (!HAS_WIDE.test(text)) return text;
  return text.replace(WIDE, (char) =>
    char === '\u3000' ? ' ' : String.fromCharCode(char.charCodeAt(0) - 0xfee0),
  );
}

/** Validated, non-overlapping spans of one kind, left to right. */
function scan(kind: DetectKind, text: string): Array<[number, number]> {
  // Shared global patterns: safe because a scan runs start to finish without yielding.
  const pattern = CANDIDATES[kind];
  pattern.lastIndex = 0;
  const spans: Array<[number, number]> = [];
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const length = accept(kind, match[0]);
    if (length > 0) spans.push([match.index, match.index + length]);
    // After a refusal look again one character on: a shorter candidate may start inside this one.
    pattern.lastIndex = match.index + (length > 0 ? length : 1);
  }
  return spans;
}

/**
 * Finds resident IDs, credit codes, mobile numbers, bank cards and e-mail
 * addresses in free text: candidate patterns confirmed by the validators
 * (check characters, birth dates, Luhn), so an 18-digit number with a wrong
 * check character is not an ID. Findings never overlap (see `PRIORITY`) and
 * come sorted by position. Full-width digits and letters are read as
 * their ASCII forms. Linear in the text's length; text that cannot hold
 * any kind (`mayHoldPersonalData`) costs one pass over its characters.
 */
export function detectText(text: string, options: DetectOptions = {}): TextFinding[] {
  checkText(text);
  return findIn(text, kindsOf(options), Boolean(options.includeValue));
}

/** `detectText` on checked arguments: the fast path, then the scan. */
export function findIn(text: string, kinds: ReadonlySet<DetectKind>, includeValue: boolean): TextFinding[] {
  return mayHoldPersonalData(text) ? scanText(text, kinds, includeValue) : [];
}

/** The detector proper, without the fast path (the fast path's test compares the two). */
export function scanText(text: string, kinds: ReadonlySet<DetectKind>, includeValue: boolean): TextFinding[] {
  const folded = foldWidth(text);
  const covered = new Uint8Array(text.length);
  const findings: TextFinding[] = [];
  for (const kind of PRIORITY) {
    if (!kinds.has(kind)) continue;
    for (const [start, end] of scan(kind, folded)) {
      if (covered.subarray(start, end).includes(1)) continue;
      covered.fill(1, start, end);
      findings.push(
        includeValue ? { kind, start, end, value: text.slice(start, end) } : { kind, start, end },
      );
    }
  }
  return findings.sort((a, b) => a.start - b.start);
}
