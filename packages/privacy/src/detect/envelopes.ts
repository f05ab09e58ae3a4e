import { FORMAT_TAG, parseEnvelope, SHAPES } from '../ciphers/envelope.ts';

/*
 * Ciphertext envelopes in text, so that redaction can leave them whole. The
 * key id of a subject's key is part of its envelope
 * (`og1:a256gcm:subject.<subjectId>:1:…`), and a subject id may look like
 * an ID or phone number: masking it would break the ciphertext.
 */

/** Where an envelope may start; the same literal test `redactText` makes before looking for any. */
export const ENVELOPE_MARK = `${FORMAT_TAG}:`;

const codes = Object.values(SHAPES)
  .map((shape) => shape.code)
  .join('|');

/**
 * The shape of an envelope (docs/privacy.md#the-envelope-format-1), loose
 * where `parseEnvelope` is exact: each match is confirmed by it. Linear:
 * the header parts are bounded and the payload's alphabet has no `:`, so
 * matches cannot overlap.
 */
const CANDIDATE = new RegExp(
  `${FORMAT_TAG}:(?:${codes}):[A-Za-z0-9._-]{1,128}:[1-9][0-9]{0,9}:[A-Za-z0-9_-]+`,
  'g',
);

/**
 * Whether the whole text is one well-formed envelope, as `sealField` writes
 * them: every part of the header valid, the payload canonical base64url of
 * a length its algorithm allows. Nothing is decrypted, so a well-formed
 * envelope may still fail to open.
 */
export function isEnvelope(text: unknown): text is string {
  if (typeof text !== 'string' || !text.startsWith(ENVELOPE_MARK)) return false;
  try {
    parseEnvelope(text);
    return true;
  } catch {
    return false;
  }
}

/** The `[start, end)` spans of the well-formed envelopes in a text, left to right. */
export function envelopeSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  // Shared global pattern: safe because a scan runs start to finish without yielding.
  CANDIDATE.lastIndex = 0;
  for (let match = CANDIDATE.exec(text); match !== null; match = CANDIDATE.exec(text)) {
    if (isEnvelope(match[0])) {
      spans.push([match.index, match.index + match[0].length]);
    } else {
      // Not one after all: an envelope may still start inside it (after one of its `:`).
      CANDIDATE.lastIndex = match.index + 1;
    }
  }
  return spans;
}
