import { OneGateError } from '../errors.ts';
import type { AuditEventInput } from './audit-event.ts';

/** Why `audit.write` refused to keep an event. */
export type AuditDropReason = 'queue_full' | 'closed';

/** How the audit client queues and sends events; every field has a default. */
export interface AuditOptions {
  /** Events kept in memory while OneGate is slow or unreachable (default 10,000). When full, new events are refused, never old ones. */
  maxQueue?: number;
  /** Events per POST (default 500, at most 10,000, OneGate's limit). */
  batchSize?: number;
  /** How long a first event waits for others to share its request, in ms (default 50). */
  batchDelayMs?: number;
  /** The first retry's delay, doubled on every further failure, in ms (default 500). */
  initialBackoffMs?: number;
  /** The longest wait between retries, in ms, also for a longer `Retry-After` (default 30,000). */
  maxBackoffMs?: number;
  /** How long `flush()` and `close()` wait for OneGate's acknowledgement, in ms (default 30,000). */
  flushTimeoutMs?: number;
  /**
   * Called with each event that `write` refused (queue full, or after
   * `close`), so the app can keep it elsewhere (a local file, its own log).
   * An audit trail must not lose events silently: refusals are also counted
   * in `audit.dropped`.
   */
  onDrop?: (event: AuditEventInput, reason: AuditDropReason) => void;
  /**
   * Called when a delivery attempt fails (`ERR_AUDIT_UNDELIVERED`, the events
   * stay queued and are retried) and when OneGate refuses one event for good
   * (`ERR_AUDIT_REJECTED`, with that event: it is taken off the queue so it
   * does not hold back the events after it).
   */
  onError?: (error: OneGateError, event?: AuditEventInput) => void;
}

/** How `createPlatformClient` reaches OneGate. */
export interface PlatformOptions {
  /** OneGate's issuer URL; the APIs are under `<issuer>/api/v1`. */
  issuer: string | URL;
  /** The service client's id (registered with `onegate client add --name … --scopes "authz:check audit:write …"`). */
  clientId: string;
  /** The client secret (client_secret_basic); leave out with `tlsClientAuth`. */
  clientSecret?: string;
  /** The fetch used for every request to OneGate (a custom CA, or a client certificate for mTLS). */
  fetch?: typeof fetch;
  /** The client authenticates with its certificate (RFC 8705 `tls_client_auth`), which `fetch` presents. */
  tlsClientAuth?: boolean;
  /** Development only: talk to an `http://` issuer. */
  allowInsecureHttp?: boolean;
  /**
   * Scopes to ask for, in one token used for every call. Default: one token
   * per scope a call needs (`authz:check`, `audit:write`, `privacy:encrypt`,
   * `privacy:decrypt`), so a token seen by the authorization call can never
   * decrypt.
   */
  scopes?: string[];
  /** How long an authorization decision is reused, in ms (default 5,000; 0 turns the cache off). */
  authzCacheTtlMs?: number;
  /** The most decisions kept (default 10,000; the least recently used go first). */
  authzCacheSize?: number;
  /** Audit queue and delivery settings. */
  audit?: AuditOptions;
}

/** Options with every default filled in, checked once at creation. */
export interface ResolvedOptions {
  issuer: URL;
  apiBase: string;
  clientId: string;
  clientSecret: string | undefined;
  fetch: typeof fetch;
  tlsClientAuth: boolean;
  allowInsecureHttp: boolean;
  scopes: string[] | undefined;
  authzCacheTtlMs: number;
  authzCacheSize: number;
  audit: Required<Omit<AuditOptions, 'onDrop' | 'onError'>> & Pick<AuditOptions, 'onDrop' | 'onError'>;
}

/** OneGate's own limit of events per ingest request. */
export const MAX_AUDIT_BATCH = 10_000;

function invalid(message: string): never {
  throw new OneGateError('ERR_API_CONFIG', message);
}

function whole(value: number | undefined, fallback: number, name: string, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    invalid(`${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** Checks the options and fills in defaults; a bad one throws `ERR_API_CONFIG` naming the setting. */
export function resolveOptions(options: PlatformOptions): ResolvedOptions {
  let issuer: URL;
  try {
    issuer = new URL(options.issuer);
  } catch {
    return invalid('issuer must be a URL');
  }
  if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && options.allowInsecureHttp)) {
    invalid('issuer must be https (allowInsecureHttp is for development only)');
  }
  if (typeof options.clientId !== 'string' || options.clientId === '') invalid('clientId is required');
  if (options.tlsClientAuth && options.clientSecret !== undefined) {
    invalid('give clientSecret or tlsClientAuth, not both');
  }
  if (!options.tlsClientAuth && !options.clientSecret) {
    invalid(
      'a service client needs clientSecret, or tlsClientAuth with a fetch that presents its certificate',
    );
  }
  if (options.tlsClientAuth && options.fetch === undefined) {
    invalid('tlsClientAuth needs a fetch that presents the client certificate');
  }
  if (
    options.scopes !== undefined &&
    (options.scopes.length === 0 || options.scopes.some((s) => !/^[\x21-\x7e]+$/.test(s)))
  ) {
    invalid('scopes must be a non-empty list of scope names');
  }
  const audit = options.audit ?? {};
  const day = 86_400_000;
  return {
    issuer,
    apiBase: `${issuer.href.replace(/\/+$/, '')}/api/v1`,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    fetch: options.fetch ?? globalThis.fetch,
    tlsClientAuth: options.tlsClientAuth ?? false,
    allowInsecureHttp: options.allowInsecureHttp ?? false,
    scopes: options.scopes,
    authzCacheTtlMs: whole(options.authzCacheTtlMs, 5_000, 'authzCacheTtlMs', 0, day),
    authzCacheSize: whole(options.authzCacheSize, 10_000, 'authzCacheSize', 1, 10_000_000),
    audit: {
      maxQueue: whole(audit.maxQueue, 10_000, 'audit.maxQueue', 1, 10_000_000),
      batchSize: whole(audit.batchSize, 500, 'audit.batchSize', 1, MAX_AUDIT_BATCH),
      batchDelayMs: whole(audit.batchDelayMs, 50, 'audit.batchDelayMs', 0, 60_000),
      initialBackoffMs: whole(audit.initialBackoffMs, 500, 'audit.initialBackoffMs', 1, day),
      maxBackoffMs: whole(audit.maxBackoffMs, 30_000, 'audit.maxBackoffMs', 1, day),
      flushTimeoutMs: whole(audit.flushTimeoutMs, 30_000, 'audit.flushTimeoutMs', 1, day),
      onDrop: audit.onDrop,
      onError: audit.onError,
    },
  };
}
