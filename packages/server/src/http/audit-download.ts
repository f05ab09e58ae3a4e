import { Readable } from 'node:stream';
import type { Context } from 'koa';
import type { AuditService, EventFilter, ExportFormat } from '@onegate/audit';
import type { RequestState } from './state.ts';

const TYPES: Record<ExportFormat, { type: string; extension: string }> = {
  jsonl: { type: 'application/x-ndjson', extension: 'jsonl' },
  csv: { type: 'text/csv; charset=utf-8', extension: 'csv' },
  ocsf: { type: 'application/x-ndjson', extension: 'ocsf.jsonl' },
};
/** Lines go out in chunks of about this many characters, not one write per event. */
const CHUNK = 64 * 1024;

/**
 * Streams every event of `filter` as a download with a name of our choosing
 * (ASVS 5.4.1), for the API and the console alike. The first lines are read
 * before answering, so a failing query is an error response rather than a
 * cut-off file; `audited` records the export then, before a byte goes out.
 */
export async function streamAuditExport(
  ctx: Context,
  audit: AuditService,
  filter: EventFilter,
  format: ExportFormat,
  audited: () => Promise<void>,
): Promise<void> {
  const lines = audit.export(filter, format);
  const head: string[] = [];
  while (head.length < (format === 'csv' ? 2 : 1)) {
    const next = await lines.next();
    if (next.done) break;
    head.push(next.value);
  }
  await audited();
  const stamp = new Date().toISOString().replace(/[-:]|\.\d+/g, '');
  ctx.set('content-type', TYPES[format].type);
  ctx.set('content-disposition', `attachment; filename="onegate-audit-${stamp}.${TYPES[format].extension}"`);
  ctx.set('cache-control', 'no-store');
  ctx.body = Readable.from(
    chunked(
      (async function* () {
        yield* head;
        yield* lines;
      })(),
      // Code only: a driver's message can quote the values it was given.
      // Every request's state carries its logger (requestId middleware), the console's as the API's.
      (err) =>
        (ctx.state as RequestState).log.error(
          { code: (err as { code?: unknown }).code },
          'audit export cut off',
        ),
    ),
    { objectMode: false },
  );
}

/**
 * Lines joined into chunks of about CHUNK characters. A failure once the
 * download has begun can only cut it off (the chunked encoding is left
 * unterminated, so the client sees it incomplete); `onError` logs why.
 */
async function* chunked(
  lines: AsyncIterable<string>,
  onError: (err: unknown) => void,
): AsyncGenerator<string> {
  let chunk = '';
  try {
    for await (const line of lines) {
      chunk += line;
      if (chunk.length >= CHUNK) {
        yield chunk;
        chunk = '';
      }
    }
  } catch (err) {
    onError(err);
    throw err;
  }
  if (chunk !== '') yield chunk;
}
