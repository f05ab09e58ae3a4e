import { PrivacyError } from '../errors.ts';
import { mask } from '../masking/mask.ts';
import { detectText } from './detect-text.ts';
import type { DetectKind } from './findings.ts';
import { mapLeaves, type JsonValue } from './json-walk.ts';

export interface RedactOptions {
  /** The kinds to mask; default all. */
  kinds?: readonly DetectKind[];
  /** Passed to the masking profiles; default `*`. */
  maskChar?: string;
}

/**
 * The text with every finding of `detectText` replaced by its masked form,
 * using the masking profile of the same name: `电话 13800138000` →
 * `电话 138****8000`. Everything else is left as it was.
 */
export function redactText(text: string, options: RedactOptions = {}): string {
  const findings = detectText(text, { kinds: options.kinds });
  if (findings.length === 0) return text;
  const maskOptions = options.maskChar === undefined ? {} : { maskChar: options.maskChar };
  let out = '';
  let from = 0;
  for (const { kind, start, end } of findings) {
    out += text.slice(from, start) + mask(kind, text.slice(start, end), maskOptions);
    from = end;
  }
  return out + text.slice(from);
}

/**
 * A copy of a JSON value with personal data masked in every string (see
 * `redactText`). A number holding personal data (a phone number stored as a
 * number) becomes its masked string; other numbers stay numbers. For audit
 * payloads and log records.
 */
export function redactJson(value: JsonValue, options: RedactOptions = {}): JsonValue {
  return mapLeaves(value, (text, _path, original) => {
    const redacted = redactText(text, options);
    return redacted === text ? original : redacted;
  }) as JsonValue;
}

/** `redactText` for a string, `redactJson` for anything else. */
export function redact(value: string, options?: RedactOptions): string;
export function redact(value: JsonValue, options?: RedactOptions): JsonValue;
export function redact(value: JsonValue, options: RedactOptions = {}): JsonValue {
  if (value === undefined) throw new PrivacyError('ERR_PRIVACY_INVALID', 'nothing to redact');
  return typeof value === 'string' ? redactText(value, options) : redactJson(value, options);
}
