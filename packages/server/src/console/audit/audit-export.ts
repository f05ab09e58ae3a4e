import { Readable } from 'node:stream';
import type { Context } from 'koa';
import { EXPORT_FORMATS, type AuditService, type EventFilter, type ExportFormat } from '@onegate/audit';

const TYPES: Record<ExportFormat, { type: string; extension: string }> = {
  jsonl: { type: 'application/x-ndjson', extension: 'jsonl' },
  csv: { type: 'text/csv; charset=utf-8', extension: 'csv' },
  ocsf: { type: 'application/x-ndjson', extension: 'ocsf.jsonl' },
};
/** Lines go out in chunks of about this many characters, not one write per event. */
const CHUNK = 64 * 1024;

export function exportFormat(value: unknown): ExportFormat | undefined {
  return typeof value === 'string' && (EXPORT_FORMATS as readonly string[]).includes(value)
    ? (value as ExportFormat)
    : undefined;
}

/**
 * Streams every event of `filter` as a download with a name of our choosing
 * (ASVS 5.4.1). The first lines are read before answering, so a failing query
 * is an error page rather than a cut-off file; `audited` runs then.
 */
export async function streamExport(
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
    (async function* () {
      let chunk = head.join('');
      for await (const line of lines) {
        chunk += line;
        if (chunk.length >= CHUNK) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk !== '') yield chunk;
    })(),
    { objectMode: false },
  );
}
