import { OneGateError } from '../errors.ts';
import { errorOf, retryAfterSeconds, type ApiClient } from './api-client.ts';
import type { AuditEventInput } from './audit-event.ts';
import { AuditQueue, type Delivery } from './audit-queue.ts';
import type { ResolvedOptions } from './options.ts';

/**
 * Writes the app's audit events to OneGate's log (`POST
 * /api/v1/audit/events`, scope `audit:write`) without ever holding up the
 * request that records them.
 *
 * ```ts
 * platform.audit.write({
 *   actor: { type: 'user', id: session.sub },
 *   action: 'record.read',
 *   target: { resource: 'civil-affairs-hz/residents/r-1001', subject: 'citizen-1001' },
 *   outcome: 'success',
 *   purpose: 'benefit-eligibility',
 * });
 * // on shutdown
 * await platform.close();
 * ```
 *
 * Events live in memory until OneGate acknowledges them: call `close()` (or
 * `flush()`) before the process exits, since the client's timers do not keep
 * it alive.
 */
export interface AuditClient {
  /**
   * Validates and queues one event; returns at once. Returns `false` when the
   * queue is full or the client is closed: the event is then counted in
   * `dropped` and given to `onDrop`. Never throws because OneGate is down.
   *
   * @throws OneGateError `ERR_AUDIT_INVALID` for a malformed event (a programming error).
   */
  write(event: AuditEventInput): boolean;
  /**
   * Resolves once every event written so far is acknowledged (or refused as
   * invalid and reported to `onError`).
   *
   * @throws OneGateError `ERR_AUDIT_FLUSH_TIMEOUT` after `timeoutMs` (default `audit.flushTimeoutMs`, 30 s).
   */
  flush(timeoutMs?: number): Promise<void>;
  /** Events written and not yet acknowledged. */
  readonly pending: number;
  /** Events refused by `write` (queue full or closed). */
  readonly dropped: number;
  /** Events OneGate refused as invalid, taken off the queue and reported to `onError`. */
  readonly rejected: number;
  /** Refuses further writes, flushes, stops the sender; what is still queued after the timeout goes to `onDrop`. */
  close(timeoutMs?: number): Promise<void>;
}

const SCOPES = ['audit:write'];

/** Statuses meaning "this batch will never be taken as it is": search it for the bad event. */
const REFUSED = new Set([400, 409, 413, 422]);

function deliverer(api: ApiClient): (lines: readonly string[], key: string) => Promise<Delivery> {
  return async (lines, key) => {
    let res: Response;
    try {
      res = await api.send({
        path: '/audit/events',
        scopes: SCOPES,
        body: `${lines.join('\n')}\n`,
        contentType: 'application/x-ndjson',
        headers: { 'idempotency-key': key },
      });
    } catch (err) {
      const error =
        err instanceof OneGateError
          ? err
          : new OneGateError('ERR_API_UNAVAILABLE', 'OneGate could not be reached');
      return { outcome: 'retry', error };
    }
    if (res.ok) {
      await res.body?.cancel().catch(() => undefined);
      return { outcome: 'delivered' };
    }
    const error = await errorOf(res);
    if (REFUSED.has(res.status)) return { outcome: 'refused', error };
    const retryAfter = retryAfterSeconds(res.headers.get('retry-after'));
    return {
      outcome: 'retry',
      error,
      ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter * 1000 }),
    };
  };
}

/** The audit client over `api`: a queue whose sender posts NDJSON batches with idempotency keys. */
export function createAuditClient(api: ApiClient, options: ResolvedOptions['audit']): AuditClient {
  const queue = new AuditQueue(options, deliverer(api));
  return {
    write: (event) => queue.write(event),
    flush: (timeoutMs) => queue.flush(timeoutMs),
    close: (timeoutMs) => queue.close(timeoutMs),
    get pending() {
      return queue.pending;
    },
    get dropped() {
      return queue.dropped;
    },
    get rejected() {
      return queue.rejected;
    },
  };
}
