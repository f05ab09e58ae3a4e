export { detectJson } from './detect-json.ts';
export { detectText } from './detect-text.ts';
export { isEnvelope } from './envelopes.ts';
export {
  PRIORITY,
  type DetectKind,
  type DetectOptions,
  type JsonFinding,
  type TextFinding,
} from './findings.ts';
export { MAX_JSON_DEPTH, type JsonValue } from './json-walk.ts';
export { mayHoldPersonalData } from './prefilter.ts';
export { redact, redactJson, redactText, type RedactOptions } from './redact.ts';
