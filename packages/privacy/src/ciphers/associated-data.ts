import type { FieldContext } from '../field-types.ts';
import { invalid } from './failure.ts';
import { scratch as makeScratch } from './scratch.ts';

/**
 * Associated data of format 1: what a ciphertext is bound to, each part
 * length-prefixed (u32 big-endian byte length, then UTF-8) so no two
 * different headers or places encode alike, whatever characters they hold:
 *
 *     lp("og1") ‖ lp(alg code) ‖ lp(keyId) ‖ u32(version) ‖ lp(table) ‖ lp(column) ‖ lp(row)
 *
 * The header half is fixed per key and built once (`headerAad`).
 */
export function headerAad(formatTag: string, code: string, keyId: string, version: number): Buffer {
  const parts = [formatTag, code, keyId].map((s) => Buffer.from(s, 'utf8'));
  const out = Buffer.alloc(parts.reduce((n, p) => n + 4 + p.length, 4));
  let at = 0;
  for (const p of parts) {
    at = out.writeUInt32BE(p.length, at);
    at += p.copy(out, at);
  }
  out.writeUInt32BE(version, at);
  return out;
}

/** Longest table, column or row id in UTF-16 units: far beyond any real one, and keeps input bounded. */
const MAX_PLACE = 1024;
/** Room for the longest associated data: a header (≤ 154 bytes) and three places of ≤ 3 bytes per unit. */
const aadScratch = makeScratch(256 + 3 * (4 + 3 * MAX_PLACE));
const scratch = aadScratch.bytes;
/** What the scratch holds before the row, so a run of fields of one column rewrites only the row. */
let heldHeader: Buffer | undefined;
let heldTable = '';
let heldColumn = '';
let rowAt = 0;

/**
 * The associated data for a field, written into a shared scratch buffer
 * (see scratch.ts): valid until the next call. `context` must have passed
 * `checkContext`.
 */
export function associatedData(header: Buffer, context: FieldContext): Uint8Array {
  const { table, column, row } = context;
  if (header !== heldHeader || table !== heldTable || column !== heldColumn) {
    let at = header.copy(scratch, 0);
    at = writePart(table, at);
    rowAt = writePart(column, at);
    heldHeader = header;
    heldTable = table;
    heldColumn = column;
  }
  const end = writePart(row, rowAt);
  return aadScratch.view(0, end);
}

function writePart(text: string, at: number): number {
  const written = scratch.write(text, at + 4, 'utf8');
  scratch.writeUInt32BE(written, at);
  return at + 4 + written;
}

export function checkContext(context: FieldContext): void {
  if (
    typeof context !== 'object' ||
    context === null ||
    !isPlace(context.table) ||
    !isPlace(context.column) ||
    !isPlace(context.row)
  ) {
    throw invalid('a field context needs table, column and row, each non-empty well-formed text');
  }
}

/** Lone surrogates would be written as U+FFFD, making two different ids encode alike. */
function isPlace(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_PLACE && value.isWellFormed();
}
