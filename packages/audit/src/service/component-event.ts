import type { AuditEventInput } from '../event/event-schema.ts';
import { requestContext, userAgentText } from './request-context.ts';

/**
 * What OneGate's own components (identity, authz, privacy) write: the shape
 * of their `AuditSink` interfaces, declared here too so that audit imports
 * none of them. `toEventInput` turns it into a schema event.
 */
export interface ComponentEvent {
  action: string;
  outcome: 'success' | 'failure' | 'denied';
  /** An account id, a client id, `operator` (the CLI) or `system`. */
  actor?: string | undefined;
  clientId?: string | undefined;
  /** Whose data or account it touched. */
  subject?: string | undefined;
  address?: string | undefined;
  sessionId?: string | undefined;
  reason?: string | undefined;
  details?: Record<string, unknown> | undefined;
  /** Keys of `details` holding ciphertext envelopes. */
  sealedDetails?: readonly string[] | undefined;
  /** Default: those of the request the event is written in (`withRequestContext`). */
  requestId?: string | undefined;
  userAgent?: string | undefined;
}

/** Where a component writes what it did; `write` resolves once the event is durable. */
export interface ComponentAuditSink {
  write(event: ComponentEvent): Promise<void>;
  /** Several events as one append (consecutive, all or none): a batch of decisions costs one call, not one each. */
  writeMany?(events: readonly ComponentEvent[]): Promise<void>;
}

const SERVICE_ACTORS = new Set(['operator', 'system']);
const ID = /^[\x21-\x7e]{1,128}$/;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The event with the request id and user agent of the request it is written in, where it names none. */
export function inRequest(event: ComponentEvent): ComponentEvent {
  const request = requestContext();
  if (request === undefined) return event;
  return {
    ...event,
    requestId: event.requestId ?? request.requestId,
    userAgent: event.userAgent ?? request.userAgent,
  };
}

/**
 * The schema event for a component's act. The purpose and the resource, where
 * a component records them in `details` (privacy's decrypts, authz's
 * decisions), become first-class fields, so officers can search by them.
 */
export function toEventInput(event: ComponentEvent): AuditEventInput {
  const actorId = event.actor ?? 'onegate';
  const type =
    event.actor === undefined || SERVICE_ACTORS.has(actorId)
      ? 'service'
      : event.actor === event.clientId
        ? 'app'
        : 'user';
  // JSON-safe copy: Dates become strings, undefined members go, as they would in any JSON log.
  const details =
    event.details === undefined
      ? undefined
      : (JSON.parse(JSON.stringify(event.details)) as Record<string, unknown>);
  const purpose = text(details?.['purpose']);
  const collection = text(details?.['collection']);
  const resource =
    text(details?.['resource']) ??
    (collection !== undefined && text(details?.['row']) !== undefined
      ? `${collection}/${text(details?.['row'])}/${text(details?.['field']) ?? ''}`.replace(/\/$/, '')
      : undefined);
  const subject = event.subject !== undefined && ID.test(event.subject) ? event.subject : undefined;
  const sealed = event.sealedDetails?.filter((key) => details?.[key] !== undefined);
  const requestId = event.requestId;
  const userAgent = userAgentText(event.userAgent);
  return {
    actor: { type, id: ID.test(actorId) ? actorId : 'invalid-actor' },
    action: event.action,
    outcome: event.outcome,
    ...(event.reason === undefined ? {} : { reason: event.reason }),
    ...(subject !== undefined || resource !== undefined
      ? { target: { ...(resource ? { resource } : {}), ...(subject ? { subject } : {}) } }
      : {}),
    ...(event.address !== undefined || event.clientId !== undefined || userAgent !== undefined
      ? {
          source: {
            ...(event.address ? { address: event.address } : {}),
            ...(userAgent ? { userAgent } : {}),
            ...(event.clientId ? { clientId: event.clientId } : {}),
          },
        }
      : {}),
    ...(purpose !== undefined && /^[a-z0-9](?:[a-z0-9_.-]*[a-z0-9])?$/.test(purpose) ? { purpose } : {}),
    ...(requestId !== undefined && ID.test(requestId) ? { requestId } : {}),
    ...(event.sessionId ? { sessionId: event.sessionId } : {}),
    ...(details === undefined ? {} : { details }),
    ...(sealed !== undefined && sealed.length > 0 ? { encryptedDetails: sealed } : {}),
  };
}
