import { pino, type Logger } from 'pino';
import { redactText } from '@onegate/privacy';
import type { Config } from './config/settings.ts';

export type { Logger };

/**
 * JSON lines on standard output. Request logs are built field by field (no
 * headers, no query strings), and these paths are redacted as a second line of
 * defence should an object carrying them ever be logged.
 *
 * Personal data is masked in every line (DESIGN: "personal data appears in
 * logs only masked"): the message, every string of the logged fields at any
 * depth, child bindings and serialized errors pass through the detector of
 * `@onegate/privacy` (validated, not just pattern-matched), so a resident
 * ID, mainland mobile, bank card, e-mail address or credit code comes out as
 * its masking profile writes it (`138****8000`). `redactText` leaves
 * ciphertext envelopes (`og1:…`) whole, and a string that cannot hold any of
 * these (no run of four digits, no `@`, no run of 18 upper-case letters and
 * digits) costs it one pass over its characters.
 */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  const logger = pino(
    {
      level: config.logLevel,
      base: { service: 'onegate' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // pino applies formatters.log to the fields, then the serializers per key:
      // `msg` gets the final message (after `%s` interpolation, or an error's
      // message), `err` gets Error objects.
      formatters: { log: maskLogFields },
      serializers: {
        msg: (msg: unknown) => (typeof msg === 'string' ? redactText(msg) : maskLogValue(msg, 0, new Set())),
        err: (err: unknown) => maskLogValue(pino.stdSerializers.err(err as Error), 0, new Set()),
      },
      redact: {
        paths: [
          '*.authorization',
          '*.cookie',
          '*.password',
          '*.client_secret',
          '*.token',
          'headers.authorization',
          'headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
  // Child bindings are written once per child, and pino formats them with
  // neither formatters.log nor formatters.bindings: mask them on the way in.
  // Children inherit this method, so grandchildren are covered too. The
  // proxy passes each call's own `this` on: binding it would make every
  // child a child of the root.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  logger.child = new Proxy(logger.child, {
    apply: (child, self, [bindings, options]: unknown[]) =>
      Reflect.apply(child, self, [maskLogValue(bindings, 0, new Set()), options]) as unknown,
  });
  return logger;
}

/** Deeper than any object OneGate logs; what lies below is written as `[...]` rather than walked. */
const MAX_DEPTH = 16;

/**
 * The fields of one log call with personal data masked. `msg` and `err` are
 * left to their serializers (above), which mask them after pino has formed
 * them, so nothing is walked twice. Copy on write: a line without personal
 * data is logged from the caller's own object.
 */
function maskLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  const seen = new Set<object>();
  for (const key in fields) {
    if (!Object.hasOwn(fields, key) || key === 'msg' || key === 'err') continue;
    const value = fields[key];
    const masked = maskLogValue(value, 1, seen);
    if (masked !== value) {
      out ??= { ...fields };
      out[key] = masked;
    }
  }
  return out ?? fields;
}

/**
 * Masks what JSON.stringify would write of a value: strings, integers long
 * enough to be a phone or card number (≥ 10^10), arrays, objects (own
 * enumerable keys, after `toJSON`). Unchanged values come back as the same
 * object. Cycles become `[Circular]` and nesting beyond `MAX_DEPTH` becomes
 * `[...]`, as pino's own safe serializer writes them.
 */
function maskLogValue(value: unknown, depth: number, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
      return redactText(value);
    case 'number':
      return Number.isSafeInteger(value) && Math.abs(value) >= 1e10 ? maskNumber(value) : value;
    case 'bigint':
      return value >= 10_000_000_000n || value <= -10_000_000_000n ? maskNumber(value) : value;
    case 'object':
      if (value === null) return value;
      if (depth >= MAX_DEPTH) return '[...]';
      if (ancestors.has(value)) return '[Circular]';
      return maskObject(value, depth, ancestors);
    case 'boolean':
    case 'undefined':
    case 'function':
    case 'symbol':
      return value;
  }
}

function maskNumber(value: number | bigint): number | bigint | string {
  const text = String(value);
  const masked = redactText(text);
  return masked === text ? value : masked;
}

function maskObject(value: object, depth: number, ancestors: Set<object>): unknown {
  const json = (value as { toJSON?: unknown }).toJSON;
  if (typeof json === 'function') {
    const replaced: unknown = json.call(value);
    if (replaced === value) return value;
    const masked = maskLogValue(replaced, depth, ancestors);
    return masked === replaced ? value : masked;
  }
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const masked = maskLogValue(item, depth + 1, ancestors);
        if (masked !== item) {
          out ??= value.slice();
          out[i] = masked;
        }
      }
      return out ?? value;
    }
    let out: Record<string, unknown> | undefined;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      const masked = maskLogValue(item, depth + 1, ancestors);
      if (masked !== item) {
        out ??= { ...record };
        out[key] = masked;
      }
    }
    return out ?? value;
  } finally {
    ancestors.delete(value);
  }
}
