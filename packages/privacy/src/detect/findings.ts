import type { PersonalDataKind } from '../validators/kinds.ts';

export type DetectKind = PersonalDataKind;

/** One piece of personal data in a text: `text.slice(start, end)` (UTF-16 offsets). */
export interface TextFinding {
  kind: DetectKind;
  start: number;
  end: number;
  /** The matched text, only with `includeValue` (findings are often logged). */
  value?: string;
}

/** One piece of personal data inside a JSON value: where (RFC 9535 normalized path) and, within that string, the span. */
export interface JsonFinding extends TextFinding {
  /** `$['user']['phones'][0]`. */
  path: string;
}

export interface DetectOptions {
  /** The kinds to look for; default all. */
  kinds?: readonly DetectKind[];
  /** Put the matched text into each finding. Default false. */
  includeValue?: boolean;
}

/**
 * When findings overlap, the first kind here wins: an e-mail address holding
 * a phone number is an e-mail address; an 18-digit run that is a valid ID is
 * an ID even if it also passes the credit-code or Luhn check.
 */
export const PRIORITY: readonly DetectKind[] = ['email', 'resident-id', 'credit-code', 'bank-card', 'mobile'];
