import type { IncomingMessage } from 'node:http';
import Router from '@koa/router';
import type { Context } from 'koa';
import {
  AuditError,
  decodeCursor,
  encodeCursor,
  EXPORT_FORMATS,
  MAX_EVENTS_PER_BATCH,
  MAX_PAGE,
  parseFilter,
  type AuditService,
  type ComponentEvent,
  type EventFilter,
  type ExportFormat,
} from '@onegate/audit';
import type { Identity, PlatformCaller } from '@onegate/identity';
import { streamAuditExport } from '../http/audit-download.ts';
import { limitExports, limitSearches } from './audit-read-guards.ts';
import type { AuditReadLimits } from './audit-read-limits.ts';
import { jsonBody } from './parse-body.ts';
import { requireScope, type ApiState } from './platform-auth.ts';

export const AUDIT_WRITE_SCOPE = 'audit:write';
export const AUDIT_READ_SCOPE = 'audit:read';

/** 10,000 events of 3 KiB on average; a single event (details up to 16 KiB) fits easily. */
export const INGEST_BODY_LIMIT = 32 * 1024 * 1024;
const DEFAULT_PAGE = 100;

const FILTER_KEYS = ['from', 'to', 'actor', 'action', 'outcome', 'department', 'clientId', 'purpose'];
const SUBJECT_IN_URL =
  'subject is never taken in a URL (it may be a personal ID number): send it in the JSON body of ' +
  'POST /api/v1/audit/events/search or POST /api/v1/audit/export';
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,128}$/;
const WHOLE = /^[0-9]{1,16}$/;

function invalid(message: string): never {
  throw new AuditError('ERR_AUDIT_INVALID', message);
}

function requestBody(ctx: { request: unknown }): unknown {
  return (ctx.request as { body?: unknown }).body;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- ingest

/**
 * The raw body, refused as soon as it passes `limit` (413), before it is
 * buffered whole. The connection is closed after such a refusal rather than
 * read to its end.
 */
function readBody(ctx: Context, limit: number): Promise<Buffer> {
  const tooLarge = () => {
    ctx.set('connection', 'close');
    return Object.assign(new Error(`the body is larger than ${limit / 1024 / 1024} MB`), {
      status: 413,
      expose: true,
    });
  };
  const declared = ctx.request.length;
  if (declared !== undefined && declared > limit) return Promise.reject(tooLarge());
  const req: IncomingMessage = ctx.req;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = () => {
      done();
      reject(Object.assign(new Error('the body ended early'), { status: 400, expose: true }));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onError);
  });
}

function utf8(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return invalid('the body is not UTF-8');
  }
}

/** NDJSON: one event per line, `\n` or `\r\n`, a final newline optional, no blank lines. */
function ndjsonEvents(text: string): unknown[] {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (body === '' || body === '\r') invalid('the body holds no events');
  const lines = body.split('\n');
  if (lines.length > MAX_EVENTS_PER_BATCH) invalid(`a batch holds 1 to ${MAX_EVENTS_PER_BATCH} events`);
  return lines.map((line, i) => {
    const json = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (json.trim() === '') invalid(`events[${i}]: an empty line`);
    try {
      return JSON.parse(json) as unknown;
    } catch {
      return invalid(`events[${i}]: not valid JSON`);
    }
  });
}

/** A JSON body: one event object, or an array of them. */
function jsonEvents(text: string): unknown[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return invalid('the body is not valid JSON');
  }
  if (Array.isArray(body)) return body;
  if (isObject(body)) return [body];
  return invalid('the body is one event object or an array of events');
}

async function ingestedEvents(ctx: Context): Promise<unknown[]> {
  const type = ctx.is('application/x-ndjson', 'application/jsonl', 'json');
  if (!type) {
    ctx.throw(415, 'send events as application/json (an event or an array) or application/x-ndjson');
  }
  const charset = ctx.request.charset.toLowerCase();
  const encoding = ctx.get('content-encoding');
  if ((charset !== '' && charset !== 'utf-8') || (encoding !== '' && encoding !== 'identity')) {
    ctx.throw(415, 'events are sent as uncompressed UTF-8');
  }
  const text = utf8(await readBody(ctx, INGEST_BODY_LIMIT));
  return type === 'json' ? jsonEvents(text) : ndjsonEvents(text);
}

/** `Idempotency-Key`: 1 to 128 printable ASCII characters, scoped to the writing client. */
function idempotencyKey(ctx: Context): string | undefined {
  const header = ctx.headers['idempotency-key'];
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !IDEMPOTENCY_KEY.test(header)) {
    invalid('Idempotency-Key is 1 to 128 printable ASCII characters');
  }
  return header;
}

// ---- reading

function whole(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!WHOLE.test(value) || !Number.isSafeInteger(Number(value))) {
    invalid(`${name} must be a whole number of at least 0`);
  }
  return Number(value);
}

/** Only `allowed` query parameters, each at most once: a misspelt one is refused, not ignored. */
function queryParams(ctx: Context, allowed: readonly string[]): Record<string, string | undefined> {
  const params: Record<string, string | undefined> = {};
  for (const key of Object.keys(ctx.query)) {
    if (key === 'subject') invalid(SUBJECT_IN_URL);
    if (!allowed.includes(key))
      invalid(`unknown parameter ${key}; this endpoint takes ${allowed.join(', ')}`);
    const value = ctx.query[key];
    if (Array.isArray(value)) invalid(`give ${key} once`);
    params[key] = value;
  }
  return params;
}

function pageLimit(value: unknown): number {
  if (value === undefined) return DEFAULT_PAGE;
  const limit = typeof value === 'string' && WHOLE.test(value) ? Number(value) : value;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    invalid(`limit is a whole number from 1 to ${MAX_PAGE}`);
  }
  return limit;
}

function cursor(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') invalid('the cursor is not one this API gave out');
  return decodeCursor(value);
}

interface Search {
  filter: EventFilter;
  limit: number;
  before: number | undefined;
}

function searchFromQuery(ctx: Context): Search {
  const { limit, cursor: after, ...filter } = queryParams(ctx, [...FILTER_KEYS, 'limit', 'cursor']);
  return { filter: parseFilter(filter), limit: pageLimit(limit), before: cursor(after) };
}

function searchFromBody(body: unknown): Search {
  if (!isObject(body)) invalid('the body is a JSON object of filters, and limit and cursor');
  const { limit, cursor: after, ...filter } = body;
  // A query string has only text; JSON has numbers, and a quoted one is a mistake worth naming (ASVS 15.3.5).
  if (typeof limit === 'string') invalid(`limit is a number in a JSON body, from 1 to ${MAX_PAGE}`);
  return { filter: parseFilter(filter), limit: pageLimit(limit), before: cursor(after) };
}

function exportFormat(value: unknown): ExportFormat {
  if (value === undefined) return 'jsonl';
  if (typeof value !== 'string' || !(EXPORT_FORMATS as readonly string[]).includes(value)) {
    invalid(`format is one of ${EXPORT_FORMATS.join(', ')}`);
  }
  return value as ExportFormat;
}

/** The filter as an officer would read it back: times as RFC 3339, the rest as given. */
function describeFilter(filter: EventFilter): Record<string, string> {
  const described: Record<string, string> = {};
  for (const [key, value] of Object.entries(filter) as [keyof EventFilter, string | number][]) {
    described[key] = key === 'from' || key === 'to' ? new Date(value).toISOString() : String(value);
  }
  return described;
}

/**
 * Reading the log is itself recorded: who read, with which filter. The filter
 * goes in `details`, where the detector masks what looks like personal data
 * (a resident ID searched for as subject), so the record of a search never
 * spreads the ID it searched for.
 */
function readEvent(
  ctx: { state: ApiState; ip: string },
  action: 'audit.read' | 'audit.export',
  details: Record<string, unknown>,
): ComponentEvent {
  const caller: PlatformCaller = ctx.state.caller;
  return {
    action,
    outcome: 'success',
    actor: caller.accountId ?? caller.clientId,
    clientId: caller.clientId,
    address: ctx.ip,
    details,
  };
}

/**
 * `/api/v1/audit/*`: ingest for apps with `audit:write`; search, export,
 * proofs and entries for `audit:read`; the checkpoint and its verifier key
 * for anyone, since whoever holds a checkpoint can check the log against it.
 *
 * The writer of an ingested event is the token's client, also when the token
 * is a user's (an app records its users' acts); the event's `actor` says who
 * acted. A data subject's id is never taken in a query string (ASVS 14.2.1):
 * searches and exports by subject are POSTs with a JSON body. Search pages,
 * entry reads and exports are rate-limited per app (`limits`).
 */
export function auditRoutes(
  identity: Identity,
  audit: AuditService,
  limits: AuditReadLimits,
): Router<ApiState> {
  const router = new Router<ApiState>({ prefix: '/api/v1/audit' });
  const writer = requireScope(identity, AUDIT_WRITE_SCOPE);
  const reader = requireScope(identity, AUDIT_READ_SCOPE);
  const searching = limitSearches(limits, audit);
  const exporting = limitExports(limits, audit);
  const body = jsonBody();

  router.post('/events', writer, async (ctx) => {
    const key = idempotencyKey(ctx);
    const events = await ingestedEvents(ctx);
    const { first, count } = await audit.append(
      events,
      { clientId: ctx.state.caller.clientId },
      key === undefined ? {} : { idempotencyKey: key },
    );
    ctx.status = 201;
    ctx.body = { first, count };
  });

  const search = async (ctx: Context & { state: ApiState }, { filter, limit, before }: Search) => {
    const page = await audit.query(filter, { limit, ...(before === undefined ? {} : { before }) });
    await audit.write(
      readEvent(ctx, 'audit.read', {
        filter: describeFilter(filter),
        count: page.events.length,
        ...(before === undefined ? {} : { before }),
      }),
    );
    ctx.body = {
      events: page.events,
      ...(page.nextBefore === undefined ? {} : { next_cursor: encodeCursor(page.nextBefore) }),
    };
  };

  router.get('/events', reader, searching, async (ctx) => {
    await search(ctx, searchFromQuery(ctx));
  });
  router.post('/events/search', reader, searching, body, async (ctx) => {
    await search(ctx, searchFromBody(requestBody(ctx)));
  });

  const exportEvents = (ctx: Context & { state: ApiState }, filter: EventFilter, format: ExportFormat) =>
    streamAuditExport(ctx, audit, filter, format, () =>
      audit.write(readEvent(ctx, 'audit.export', { filter: describeFilter(filter), format })),
    );

  router.get('/export', reader, exporting, async (ctx) => {
    const { format, ...filter } = queryParams(ctx, [...FILTER_KEYS, 'format']);
    await exportEvents(ctx, parseFilter(filter), exportFormat(format));
  });
  router.post('/export', reader, exporting, body, async (ctx) => {
    const input = requestBody(ctx);
    if (!isObject(input)) invalid('the body is a JSON object of filters, and format');
    const { format, ...filter } = input;
    await exportEvents(ctx, parseFilter(filter), exportFormat(format));
  });

  router.get('/checkpoint', async (ctx) => {
    queryParams(ctx, []);
    const note = await audit.publishedCheckpoint();
    ctx.set('content-type', 'text/plain; charset=utf-8');
    ctx.body = note;
  });

  // One vkey per answer, as every C2SP verifier reads it: Ed25519 by default, `?type=sm2` for the SM2 key (404 when off).
  router.get('/key', async (ctx) => {
    const { type = 'ed25519' } = queryParams(ctx, ['type']);
    if (type !== 'ed25519' && type !== 'sm2') invalid('type is ed25519 or sm2');
    const vkey = await audit.vkey(type);
    ctx.set('content-type', 'text/plain; charset=utf-8');
    ctx.body = `${vkey}\n`;
  });

  router.get('/proof/inclusion', reader, async (ctx) => {
    const params = queryParams(ctx, ['index', 'size']);
    const index = whole(params['index'], 'index') ?? invalid('index is required');
    const size = whole(params['size'], 'size');
    if (size !== undefined && index >= size) invalid('index must be less than size');
    const proof = await audit.inclusionProof(index, size);
    ctx.body = {
      index,
      size: proof.size,
      leaf_hash: proof.leafHash,
      root: proof.root,
      hashes: proof.hashes,
    };
  });

  router.get('/proof/consistency', reader, async (ctx) => {
    const params = queryParams(ctx, ['from', 'to']);
    const from = whole(params['from'], 'from') ?? invalid('from is required');
    const to = whole(params['to'], 'to');
    if (from < 1) invalid('from must be at least 1: a proof from the empty tree proves nothing');
    if (to !== undefined && from > to) invalid('from must not be more than to');
    const proof = await audit.consistencyProof(from, to).catch((err: unknown) => {
      // Without `to`, the one way a valid `from` fails is a log not yet that large.
      if (to === undefined && err instanceof AuditError && err.code === 'ERR_AUDIT_INVALID') {
        throw new AuditError('ERR_AUDIT_NOT_FOUND', 'the log is not that large yet');
      }
      throw err;
    });
    ctx.body = { from, to: proof.size, root: proof.root, hashes: proof.hashes };
  });

  router.get('/entries/:index', reader, searching, async (ctx) => {
    queryParams(ctx, []);
    const index = whole(ctx.params['index'], 'index')!;
    const leaf = await audit.entry(index);
    await audit.write(readEvent(ctx, 'audit.read', { index }));
    ctx.set('content-type', 'application/json');
    ctx.body = leaf;
  });

  return router;
}
