import { PrivacyError } from '../errors.ts';
import { mask, type MaskOptions } from '../masking/mask.ts';
import { checkText, findIn, kindsOf } from './detect-text.ts';
import { ENVELOPE_MARK, envelopeSpans } from './envelopes.ts';
import type { DetectKind } from './findings.ts';
import { mapLeaves, type JsonValue } from './json-walk.ts';
import { mayHoldPersonalData } from './prefilter.ts';

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
 *
 * Ciphertext envelopes (`og1:…`, well-formed as `sealField` writes them) are
 * never altered: the text around them is redacted piece by piece. A
 * subject's key id is part of its envelope (`og1:a256gcm:subject.<id>:1:…`)
 * and may look like an ID number; masking it would break the ciphertext.
 *
 * Text that cannot hold any kind of personal data (`mayHoldPersonalData`)
 * comes back as it is after one pass over its characters.
 */
export function redactText(text: string, options: RedactOptions = {}): string {
  checkText(text);
  return redactChecked(text, kindsOf(options), maskOptionsOf(options));
}

/**
 * A copy of a JSON value with personal data masked in every string (see
 * `redactText`, envelopes included). A number holding personal data (a phone
 * number stored as a number) becomes its masked string; other numbers stay
 * numbers. For audit payloads and log records.
 */
export function redactJson(value: JsonValue, options: RedactOptions = {}): JsonValue {
  const kinds = kindsOf(options);
  const maskOptions = maskOptionsOf(options);
  return mapLeaves(value, (text, _path, original) => {
    const redacted = redactChecked(text, kinds, maskOptions);
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

const DEFAULT_MASK: MaskOptions = Object.freeze({});

function maskOptionsOf(options: RedactOptions): MaskOptions {
  return options.maskChar === undefined ? DEFAULT_MASK : { maskChar: options.maskChar };
}

/** `redactText` on checked arguments. */
function redactChecked(text: string, kinds: ReadonlySet<DetectKind>, maskOptions: MaskOptions): string {
  if (!mayHoldPersonalData(text)) return text;
  if (!text.includes(ENVELOPE_MARK)) return maskFindings(text, kinds, maskOptions);
  let out = '';
  let from = 0;
  for (const [start, end] of envelopeSpans(text)) {
    out += maskFindings(text.slice(from, start), kinds, maskOptions) + text.slice(start, end);
    from = end;
  }
  return from === 0
    ? maskFindings(text, kinds, maskOptions)
    : out + maskFindings(text.slice(from), kinds, maskOptions);
}

function maskFindings(text: string, kinds: ReadonlySet<DetectKind>, maskOptions: MaskOptions): string {
  const findings = findIn(text, kinds, false);
  if (findings.length === 0) return text;
  let out = '';
  let from = 0;
  for (const { kind, start, end } of findings) {
    out += text.slice(from, start) + mask(kind, text.slice(start, end), maskOptions);
    from = end;
  }
  return out + text.slice(from);
}
