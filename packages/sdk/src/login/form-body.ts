import type { IncomingMessage } from 'node:http';

/** A logout token is about 1 KB; nothing the SDK's POST routes take is larger. */
export const FORM_LIMIT_BYTES = 16 * 1024;

/**
 * Reads an `application/x-www-form-urlencoded` body of at most
 * `FORM_LIMIT_BYTES`, so apps need no body parser for the SDK's routes. If a
 * body parser ran first, its parsed object is used instead.
 */
export async function readForm(req: IncomingMessage, parsed: unknown): Promise<URLSearchParams> {
  if (typeof parsed === 'object' && parsed !== null && !Buffer.isBuffer(parsed)) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') params.set(key, value);
    return params;
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new Error('not a form');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > FORM_LIMIT_BYTES) throw new Error('form too large');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > FORM_LIMIT_BYTES) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
