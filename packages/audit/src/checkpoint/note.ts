import { AuditError } from '../errors.ts';
import { decodeStrictBase64 } from './strict-base64.ts';

/**
 * C2SP signed notes (c2sp.org/signed-note v1.0.0): a UTF-8 text, one empty line,
 * then signature lines `— <key name> <base64(key ID ‖ signature)>`. The text is
 * what is signed; it is trusted only once a signature from a known key verifies.
 */

/** Larger notes are refused before any parsing (a checkpoint with many cosignatures is a few KiB). */
export const NOTE_MAX_BYTES = 64 * 1024;
/** More signature lines are refused; the spec asks verifiers to accept at least 16. */
export const NOTE_MAX_SIGNATURES = 100;

const SIGNATURE_PREFIX = '\u2014 ';
const KEY_ID_BYTES = 4;
// Unicode whitespace as Go's unicode.IsSpace sees it (JS \s lacks U+0085).
const WHITESPACE = /[\s\u0085]/;

export interface NoteSignature {
  /** The key name of the signature line. */
  readonly name: string;
  /** The 4-byte key ID (big-endian uint32) that starts the decoded signature. */
  readonly keyId: number;
  /** The signature bytes after the key ID. */
  readonly signature: Buffer;
}

export interface Note {
  /** The signed text, ending in `\n`, without the separating empty line. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

/** Signs note texts as one key; `sign` may reach a KMS or HSM, so it is async. */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(text: Uint8Array): Promise<Uint8Array>;
}

/** Checks signatures of one trusted key, identified by its (name, key ID) pair. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

export interface OpenedNote extends Note {
  /** The signatures that verified against a trusted key (at least one). */
  readonly verifiedBy: readonly NoteSignature[];
}

/** A key name: not empty, no `+`, no whitespace or control characters, well-formed Unicode. */
export function isValidKeyName(name: string): boolean {
  return (
    name !== '' && name.isWellFormed() && !name.includes('+') && !WHITESPACE.test(name) && !hasControl(name)
  );
}

/** Parses a note without verifying it; unknown-key signatures are kept. Throws `ERR_AUDIT_INVALID`. */
export function parseNote(input: string | Uint8Array): Note {
  const note = decodeNote(input);
  if (!note.endsWith('\n')) malformed();
  const split = note.lastIndexOf('\n\n');
  if (split < 0) malformed();
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '') malformed();
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > NOTE_MAX_SIGNATURES) malformed();
  return { text, signatures: lines.map(parseSignatureLine) };
}

/** The note as text; refuses anything `parseNote` would refuse, so every note we emit reads back. */
export function serializeNote(note: Note): string {
  checkNoteText(note.text);
  if (note.signatures.length === 0 || note.signatures.length > NOTE_MAX_SIGNATURES) malformed();
  const lines = note.signatures.map((sig) => {
    if (!isValidKeyName(sig.name) || !isUint32(sig.keyId) || sig.signature.length === 0) malformed();
    const raw = Buffer.alloc(KEY_ID_BYTES + sig.signature.length);
    raw.writeUInt32BE(sig.keyId, 0);
    raw.set(sig.signature, KEY_ID_BYTES);
    return `${SIGNATURE_PREFIX}${sig.name} ${raw.toString('base64')}\n`;
  });
  const out = `${note.text}\n${lines.join('')}`;
  if (Buffer.byteLength(out, 'utf8') > NOTE_MAX_BYTES) malformed();
  return out;
}

/** Signs `text` (which must end in `\n`) with each signer, in order. */
export async function signNote(text: string, signers: readonly NoteSigner[]): Promise<string> {
  checkNoteText(text);
  const bytes = Buffer.from(text, 'utf8');
  const signatures: NoteSignature[] = [];
  for (const signer of signers) {
    const signature = Buffer.from(await signer.sign(bytes));
    signatures.push({ name: signer.name, keyId: signer.keyId, signature });
  }
  return serializeNote({ text, signatures });
}

/**
 * Parses and verifies a note. A signature whose (name, key ID) is not among `verifiers`
 * is ignored; one that is must verify; at least one must. Throws `ERR_AUDIT_INVALID`
 * for a malformed note and `ERR_AUDIT_VERIFY` (one fixed message) otherwise.
 */
export function openNote(input: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  const known = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const id = keyIdentity(v.name, v.keyId);
    if (known.has(id)) throw new AuditError('ERR_AUDIT_INVALID', 'two trusted keys share a name and key ID');
    known.set(id, v);
  }
  const note = parseNote(input);
  const text = Buffer.from(note.text, 'utf8');
  const seen = new Set<string>();
  const verifiedBy: NoteSignature[] = [];
  for (const sig of note.signatures) {
    const id = keyIdentity(sig.name, sig.keyId);
    const verifier = known.get(id);
    if (verifier === undefined) continue;
    if (seen.has(id)) malformed();
    seen.add(id);
    if (!verifier.verify(text, sig.signature)) verifyFailed();
    verifiedBy.push(sig);
  }
  if (verifiedBy.length === 0) verifyFailed();
  return { ...note, verifiedBy };
}

/** Checks that `text` can be the text of a note: well-formed, no control characters, ends in `\n`. */
export function checkNoteText(text: string): void {
  if (text.length > NOTE_MAX_BYTES || !text.isWellFormed() || hasControl(text) || !text.endsWith('\n')) {
    malformed();
  }
}

function decodeNote(input: string | Uint8Array): string {
  if (input.length > NOTE_MAX_BYTES) malformed();
  let note: string;
  if (typeof input === 'string') {
    if (!input.isWellFormed() || Buffer.byteLength(input, 'utf8') > NOTE_MAX_BYTES) malformed();
    note = input;
  } else {
    try {
      note = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input);
    } catch (cause) {
      throw new AuditError('ERR_AUDIT_INVALID', 'malformed note', { cause });
    }
  }
  if (hasControl(note)) malformed();
  return note;
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) malformed();
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) malformed();
  const name = rest.slice(0, space);
  const raw = decodeStrictBase64(rest.slice(space + 1));
  if (!isValidKeyName(name) || raw === undefined || raw.length <= KEY_ID_BYTES) malformed();
  return { name, keyId: raw.readUInt32BE(0), signature: raw.subarray(KEY_ID_BYTES) };
}

/** C0 controls other than LF (signed-note: "no control characters below U+0020 other than newline"). */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
  }
  return false;
}

function keyIdentity(name: string, keyId: number): string {
  return `${name}+${keyId}`;
}

function isUint32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

function malformed(): never {
  throw new AuditError('ERR_AUDIT_INVALID', 'malformed note');
}

function verifyFailed(): never {
  throw new AuditError('ERR_AUDIT_VERIFY', 'note verification failed');
}
