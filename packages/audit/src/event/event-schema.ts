import { isIP } from 'node:net';
import { z } from 'zod';
import { AuditError } from '../errors.ts';

/**
 * The audit event, version 1: what every OneGate component and every
 * government app writes. It covers what GB/T 22239-2019 level 3 asks of an
 * audit record (date and time, user, event type, success or failure, other
 * relevant information) and maps onto OCSF's Authentication, Authorize
 * Session and API Activity classes (see `ocsf.ts`). Unknown fields are
 * refused, so a misspelt `subject` never passes as "no data subject".
 */
export const EVENT_VERSION = 1;

const slug = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[a-z0-9](?:[a-z0-9_.-]*[a-z0-9])?$/, 'lower-case letters, digits and . _ - only');
const id = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => s.isWellFormed() && !hasControl(s), 'text without control characters');

/** C0 controls and DEL: a record must not be able to forge a line of a log or an export. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** At most this much JSON in `details`: an audit record is not a document store. */
export const MAX_DETAILS_BYTES = 16 * 1024;

const actorSchema = z
  .object({
    /** `user` (a person signed in), `app` (a client acting for itself), `service` (OneGate or an operator). */
    type: z.enum(['user', 'app', 'service']),
    id: id(128),
    department: slug(64).optional(),
    name: text(200).optional(),
  })
  .strict();

const targetSchema = z
  .object({
    /** The resource acted on, as authorization names it (`department/segment/…`) or free (`client:abc`). */
    resource: text(512).optional(),
    /** Whose personal data it touched: what the citizen's "who looked at my data" page searches. */
    subject: id(128).optional(),
  })
  .strict();

const sourceSchema = z
  .object({
    address: z
      .string()
      .max(64)
      .refine((a) => isIP(a) !== 0, 'an IPv4 or IPv6 address')
      .optional(),
    userAgent: text(512).optional(),
    clientId: id(128).optional(),
  })
  .strict();

/** Nesting deeper than this is refused before anything recursive looks at it. */
export const MAX_DETAILS_DEPTH = 16;

/** Depth and node count without recursion, so a hostile nesting cannot overflow the stack. */
function shallowEnough(value: unknown): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (++nodes > MAX_DETAILS_BYTES) return false;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_DETAILS_DEPTH) return false;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return true;
}

// One check, not two refinements: zod runs every refinement, so the size one walked the value again.
const detailsSchema = z.record(z.string().max(128), z.unknown()).superRefine((details, ctx) => {
  if (!shallowEnough(details)) {
    ctx.addIssue({ code: 'custom', message: `at most ${MAX_DETAILS_DEPTH} levels deep` });
  } else if (Buffer.byteLength(JSON.stringify(details), 'utf8') > MAX_DETAILS_BYTES) {
    ctx.addIssue({ code: 'custom', message: `at most ${MAX_DETAILS_BYTES} bytes of JSON` });
  }
});

/** An event as a writer sends it. `time` defaults to when OneGate receives it. */
export const eventInputSchema = z
  .object({
    v: z.literal(EVENT_VERSION).optional(),
    time: z.iso.datetime({ offset: true }).optional(),
    actor: actorSchema,
    action: slug(128),
    target: targetSchema.optional(),
    outcome: z.enum(['success', 'failure', 'denied']),
    reason: text(512).optional(),
    source: sourceSchema.optional(),
    purpose: slug(64).optional(),
    requestId: id(128).optional(),
    traceId: id(128).optional(),
    sessionId: id(256).optional(),
    details: detailsSchema.optional(),
    /** Keys of `details` that hold ciphertext envelopes: stored as sent, never scanned for personal data. */
    encryptedDetails: z.array(z.string().max(128)).max(64).optional(),
  })
  .strict();

export type AuditEventInput = z.input<typeof eventInputSchema>;

/** An event as the log stores it: validated, with its version and time, and who recorded it. */
export interface AuditEvent {
  v: typeof EVENT_VERSION;
  /** RFC 3339 UTC with milliseconds. */
  time: string;
  actor: { type: 'user' | 'app' | 'service'; id: string; department?: string; name?: string };
  action: string;
  target?: { resource?: string; subject?: string };
  outcome: 'success' | 'failure' | 'denied';
  reason?: string;
  source?: { address?: string; userAgent?: string; clientId?: string };
  purpose?: string;
  requestId?: string;
  traceId?: string;
  sessionId?: string;
  details?: Record<string, unknown>;
  encryptedDetails?: string[];
  /** Set by OneGate, never by the writer: when it was appended and by which authenticated client. */
  recorded: { at: string; by: string };
}

/**
 * Validates one event and gives it its stored shape. `where` prefixes the
 * error (`events[3]: …`); messages name fields, never their values.
 */
export function parseEvent(input: unknown, recorded: { at: number; by: string }, where = ''): AuditEvent {
  const result = eventInputSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || 'event'}: ${i.message}`);
    throw new AuditError('ERR_AUDIT_INVALID', `${where}${problems.join('; ')}`);
  }
  const { time, encryptedDetails, details, ...rest } = result.data;
  if (encryptedDetails?.some((key) => details?.[key] === undefined)) {
    throw new AuditError(
      'ERR_AUDIT_INVALID',
      `${where}encryptedDetails names a key that details does not have`,
    );
  }
  const at = new Date(recorded.at).toISOString();
  // `rest` carries the writer's `v` when given: the literal 1, the same as ours.
  return {
    ...rest,
    v: EVENT_VERSION,
    time: time === undefined ? at : new Date(time).toISOString(),
    ...(details === undefined ? {} : { details }),
    ...(encryptedDetails === undefined ? {} : { encryptedDetails }),
    recorded: { at, by: recorded.by },
  };
}
