import { AuditError } from '../errors.ts';
import { HASH_BYTES } from '../merkle/hashes.ts';
import { checkNoteText, openNote, signNote, type NoteSigner, type NoteVerifier } from './note.ts';
import { decodeStrictBase64 } from './strict-base64.ts';

/**
 * C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint v1.0.0): the signed-note text
 *
 *     <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n …]
 *
 * The signing time goes in the one place the spec leaves open, an extension line
 * right after the root: `timestamp <unix milliseconds>`. Extension lines are
 * opaque to clients, so any C2SP verifier still checks our checkpoints; a line
 * that is not of that form, or not first, stays an opaque extension. The spec
 * calls extension lines NOT RECOMMENDED (monitors cannot audit them): the time
 * is informational, and nothing here trusts it for ordering. A witness that
 * wants signed time adds its own timestamped cosignature (c2sp.org/tlog-cosignature).
 */

const TIMESTAMP_PREFIX = 'timestamp ';
const DECIMAL = /^(?:0|[1-9][0-9]{0,15})$/;

export interface CheckpointFields {
  /** The log's identity, e.g. `gov.example/onegate/audit`; also the key name it signs as. */
  readonly origin: string;
  /** Number of leaves. */
  readonly size: number;
  /** RFC 6962 root hash at `size` (32 bytes). */
  readonly root: Uint8Array;
  /** When the log signed this tree head, in Unix milliseconds (the `timestamp` extension line). */
  readonly time?: number;
  /** Further opaque extension lines (not recommended by the spec; none may start with `timestamp `). */
  readonly extensions?: readonly string[];
}

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Buffer;
  readonly time?: number;
  /** Extension lines other than the leading `timestamp` line. */
  readonly extensions: readonly string[];
}

/** The checkpoint text (the note body to sign). Throws `ERR_AUDIT_INVALID` for fields it cannot hold. */
export function formatCheckpoint(fields: CheckpointFields): string {
  const { origin, size, root, time, extensions = [] } = fields;
  if (!Number.isSafeInteger(size) || size < 0 || root.length !== HASH_BYTES) invalid();
  const lines = [origin, String(size), Buffer.from(root).toString('base64')];
  if (time !== undefined) {
    if (!Number.isSafeInteger(time) || time < 0) invalid();
    lines.push(`${TIMESTAMP_PREFIX}${time}`);
  }
  for (const line of extensions) {
    if (line.startsWith(TIMESTAMP_PREFIX)) invalid();
    lines.push(line);
  }
  if (lines.some((line) => line === '' || line.includes('\n'))) invalid();
  const text = `${lines.join('\n')}\n`;
  checkNoteText(text);
  return text;
}

/** Parses checkpoint text (the note body, not yet trusted unless it came from `openCheckpoint`). */
export function parseCheckpoint(text: string): Checkpoint {
  checkNoteText(text);
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeLine, rootLine, ...rest] = lines;
  if (origin === undefined || sizeLine === undefined || rootLine === undefined) invalid();
  if (lines.some((line) => line === '')) invalid();
  if (!DECIMAL.test(sizeLine)) invalid();
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) invalid();
  const root = decodeStrictBase64(rootLine);
  if (root === undefined || root.length !== HASH_BYTES) invalid();
  const time = parseTimestamp(rest[0]);
  const extensions = time === undefined ? rest : rest.slice(1);
  return time === undefined ? { origin, size, root, extensions } : { origin, size, root, time, extensions };
}

/** Signs a checkpoint body as a note. Every signer must use the origin as its key name, as the spec advises. */
export async function signCheckpoint(
  body: string,
  signer: NoteSigner | readonly NoteSigner[],
): Promise<string> {
  const signers = Array.isArray(signer) ? (signer as readonly NoteSigner[]) : [signer as NoteSigner];
  const { origin } = parseCheckpoint(body);
  if (signers.length === 0 || signers.some((s) => s.name !== origin)) {
    throw new AuditError('ERR_AUDIT_INVALID', 'a checkpoint is signed under its origin as key name');
  }
  return signNote(body, signers);
}

export interface OpenCheckpointOptions {
  /** Refuse a checkpoint of any other log. */
  readonly origin?: string;
}

/**
 * Verifies a checkpoint note against trusted keys (see `openNote`) and returns its
 * fields. Throws `ERR_AUDIT_VERIFY` unless a trusted signature verifies and the
 * origin is the expected one; `ERR_AUDIT_INVALID` for a malformed note or body.
 */
export function openCheckpoint(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  options: OpenCheckpointOptions = {},
): Checkpoint {
  const { text } = openNote(note, verifiers);
  const checkpoint = parseCheckpoint(text);
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw new AuditError('ERR_AUDIT_VERIFY', 'note verification failed');
  }
  return checkpoint;
}

function parseTimestamp(line: string | undefined): number | undefined {
  if (line === undefined || !line.startsWith(TIMESTAMP_PREFIX)) return undefined;
  const digits = line.slice(TIMESTAMP_PREFIX.length);
  if (!DECIMAL.test(digits)) return undefined;
  const time = Number(digits);
  return Number.isSafeInteger(time) ? time : undefined;
}

function invalid(): never {
  throw new AuditError('ERR_AUDIT_INVALID', 'malformed checkpoint');
}
