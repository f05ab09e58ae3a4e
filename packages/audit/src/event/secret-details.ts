/**
 * Credentials never reach the log (ASVS 16.2.5): an app that puts a password,
 * a client secret or a token in an event's `details` gets it stored as
 * `[redacted]`. Found by the key's name (a password under any nesting) and by
 * the value's shape (a JWT or a bearer credential under any name). The log is
 * append-only: what lands in it cannot be taken back.
 */
export const REDACTED = '[redacted]';

const SECRET_KEY =
  /(^|[-_.])(pass(word|wd|phrase)?|secret|client[-_]?secret|(access|refresh|id|bearer|session|csrf)?[-_]?token|authorization|cookie|api[-_]?key|private[-_]?key|credentials?|otp|totp|recovery[-_]?codes?)$/i;
const JWT = /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/;
const BEARER = /^(bearer|basic|dpop)\s+\S{8,}$/i;

export function withoutSecrets(value: unknown): unknown {
  if (typeof value === 'string') return JWT.test(value) || BEARER.test(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, isSecretKey(key) ? REDACTED : withoutSecrets(inner)]),
    );
  }
  return value;
}

/** Apps send the same few member names in every event: each is judged once (bounded, as names are the writer's). */
const judged = new Map<string, boolean>();
const MAX_JUDGED = 4096;

/** `newPassword` as `new_Password`: camelCase names split where snake_case ones would. */
function isSecretKey(key: string): boolean {
  let secret = judged.get(key);
  if (secret === undefined) {
    secret = SECRET_KEY.test(key.replace(/([a-z0-9])([A-Z])/g, '$1_$2'));
    if (judged.size >= MAX_JUDGED) judged.clear();
    judged.set(key, secret);
  }
  return secret;
}
