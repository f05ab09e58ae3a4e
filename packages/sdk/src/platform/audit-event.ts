import { OneGateError } from '../errors.ts';

/**
 * An event as an app writes it (docs/audit.md, schema version 1). OneGate
 * refuses unknown fields, actor type `service` and its own actions
 * (`login*`, `privacy.*`, `authz.*` …) from apps.
 */
export interface AuditEventInput {
  v?: 1;
  /** When it happened, RFC 3339 with offset; the SDK sets it at `write` when absent. */
  time?: string;
  actor: {
    /** `user` (a person signed in) or `app` (the app acting for itself). */
    type: 'user' | 'app';
    /** 1 to 128 printable ASCII characters, no spaces. */
    id: string;
    department?: string;
    name?: string;
  };
  /** A dotted slug: `record.read`, `certificate.issue` … */
  action: string;
  target?: { resource?: string; subject?: string };
  outcome: 'success' | 'failure' | 'denied';
  reason?: string;
  source?: { address?: string; userAgent?: string; clientId?: string };
  purpose?: string;
  requestId?: string;
  traceId?: string;
  sessionId?: string;
  /** A JSON object of at most 16 KiB. */
  details?: Record<string, unknown>;
  encryptedDetails?: string[];
}

const FIELDS = new Set([
  'v',
  'time',
  'actor',
  'action',
  'target',
  'outcome',
  'reason',
  'source',
  'purpose',
  'requestId',
  'traceId',
  'sessionId',
  'details',
  'encryptedDetails',
]);
const SLUG = /^[a-z0-9](?:[a-z0-9_.-]*[a-z0-9])?$/;
const ID = /^[\x21-\x7e]{1,128}$/;
/** OneGate's own actions, which it refuses from apps (packages/audit, RESERVED_ACTIONS). */
const RESERVED = /^(?:privacy|audit|authz|account|login|logout|token|consent|grant|address|onegate)(?:\.|$)/;
const MAX_DETAILS_BYTES = 16 * 1024;

function invalid(message: string): never {
  throw new OneGateError('ERR_AUDIT_INVALID', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The event as the NDJSON line that will be sent, checked for what a caller
 * gets wrong in code (missing or malformed required fields, unknown fields,
 * OneGate's reserved actions, non-JSON details); OneGate checks the rest.
 * Serialized now, so a later change to the caller's object changes nothing,
 * and with `time` fixed now, so a retry sends exactly the same event.
 * Messages name fields, never values.
 */
export function auditLine(event: AuditEventInput, now: Date): string {
  if (!isObject(event)) invalid('an audit event is an object');
  for (const key of Object.keys(event)) if (!FIELDS.has(key)) invalid(`unknown field ${key.slice(0, 64)}`);
  const { actor, action, outcome, details, time } = event as unknown as Record<string, unknown>;
  if (!isObject(actor)) invalid('actor is required');
  if (actor['type'] !== 'user' && actor['type'] !== 'app') invalid('actor.type is user or app');
  if (typeof actor['id'] !== 'string' || !ID.test(actor['id'])) {
    invalid('actor.id is 1 to 128 printable ASCII characters without spaces');
  }
  if (typeof action !== 'string' || action.length > 128 || !SLUG.test(action)) {
    invalid('action is a dotted slug of lower-case letters, digits and . _ -');
  }
  if (RESERVED.test(action)) invalid('action names one of OneGate’s own events; name the app’s action');
  if (outcome !== 'success' && outcome !== 'failure' && outcome !== 'denied') {
    invalid('outcome is success, failure or denied');
  }
  if (time !== undefined && (typeof time !== 'string' || Number.isNaN(Date.parse(time)))) {
    invalid('time is an RFC 3339 date-time with offset');
  }
  if (details !== undefined) {
    if (!isObject(details)) invalid('details is a JSON object');
    if (Buffer.byteLength(serialize(details), 'utf8') > MAX_DETAILS_BYTES) {
      invalid(`details is at most ${MAX_DETAILS_BYTES} bytes of JSON`);
    }
  }
  return serialize(time === undefined ? { ...event, time: now.toISOString() } : event);
}

function serialize(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return invalid('the event is not plain JSON (a cycle or a bigint)');
  }
}
