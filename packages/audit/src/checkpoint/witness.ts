import { open } from 'node:fs/promises';
import { AuditError } from '../errors.ts';
import { parseNote, serializeNote, type NoteSignature } from './note.ts';

/**
 * Something outside the log that sees every checkpoint: an external witness that
 * cosigns (c2sp.org/tlog-witness) or a plain sink. `cosign` returns the note with
 * the witness's signature lines added, or `undefined` when it only records it.
 */
export interface Witness {
  cosign(note: string): Promise<string | undefined>;
}

/**
 * A witness that appends each checkpoint note to `path` and syncs it, for a
 * separate process (or a person) to pick up. Notes follow one another, each
 * followed by one empty line.
 */
export function fileWitness(path: string): Witness {
  return {
    async cosign(note) {
      const file = await open(path, 'a', 0o644);
      try {
        await file.appendFile(`${note}\n`, 'utf8');
        await file.datasync();
      } finally {
        await file.close();
      }
      return undefined;
    },
  };
}

/**
 * Sends `note` to each witness in turn and adds the signature lines they return.
 * A witness that answers with a note over another text is refused with
 * `ERR_AUDIT_VERIFY`; a witness that throws makes this throw (the caller decides
 * whether a checkpoint may go out without that cosignature).
 */
export async function addCosignatures(note: string, witnesses: readonly Witness[]): Promise<string> {
  const { text, signatures } = parseNote(note);
  const merged: NoteSignature[] = [...signatures];
  const lines = new Set(merged.map(signatureKey));
  for (const witness of witnesses) {
    const answer = await witness.cosign(note);
    if (answer === undefined) continue;
    const cosigned = parseNote(answer);
    if (cosigned.text !== text) throw new AuditError('ERR_AUDIT_VERIFY', 'a witness cosigned another text');
    for (const sig of cosigned.signatures) {
      const key = signatureKey(sig);
      if (lines.has(key)) continue;
      lines.add(key);
      merged.push(sig);
    }
  }
  return serializeNote({ text, signatures: merged });
}

function signatureKey(sig: NoteSignature): string {
  return `${sig.name}+${sig.keyId}+${sig.signature.toString('base64')}`;
}

/**
 * A witness over HTTP: the note is POSTed as text/plain, and the answer is
 * either the cosigned note or just the witness's signature lines (what a
 * c2sp.org/tlog-witness `add-checkpoint` returns), which are put under our
 * note's text. Anything else is refused by `addCosignatures`.
 */
export function httpWitness(url: string, options: { timeoutMs?: number } = {}): Witness {
  const target = new URL(url);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new AuditError('ERR_AUDIT_INVALID', 'a witness URL is http(s)://…');
  }
  return {
    async cosign(note) {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: note,
        // The configured witness, and no other: a redirect is an answer we do not follow (ASVS 15.3.2).
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      if (!res.ok) throw new AuditError('ERR_AUDIT_UNAVAILABLE', `the witness answered ${res.status}`);
      const answer = await res.text();
      if (answer.trim() === '') {
        throw new AuditError('ERR_AUDIT_UNAVAILABLE', 'the witness answered without a cosignature');
      }
      return answer.includes('\n\n') ? answer : `${note}${answer.endsWith('\n') ? answer : `${answer}\n`}`;
    },
  };
}

/** `file:///path` or `http(s)://…`: the witnesses an operator configures. */
export function witnessFor(target: string): Witness {
  const url = new URL(target);
  return url.protocol === 'file:' ? fileWitness(decodeURIComponent(url.pathname)) : httpWitness(target);
}
