import { AuditError } from '../errors.ts';
import { ed25519NoteVerifier, NOTE_SIG_TYPE_ED25519 } from './ed25519-note-key.ts';
import type { NoteVerifier } from './note.ts';
import { NOTE_SIG_TYPE_OTHER, sm2NoteVerifier } from './sm2-note-key.ts';
import { decodeStrictBase64 } from './strict-base64.ts';

/**
 * A note verifier from a vkey of any kind OneGate signs with, chosen by the
 * signature type byte that starts the key: 0x01 Ed25519, 0xff SM2 (whose
 * parser checks the `sm2-sm3` identifier after it). Anything else, or a vkey
 * its parser refuses, is `ERR_AUDIT_INVALID`.
 */
export function vkeyVerifier(vkey: string): NoteVerifier {
  const second = vkey.indexOf('+', vkey.indexOf('+') + 1);
  const type = second < 1 ? undefined : decodeStrictBase64(vkey.slice(second + 1))?.[0];
  if (type === NOTE_SIG_TYPE_ED25519) return ed25519NoteVerifier(vkey);
  if (type === NOTE_SIG_TYPE_OTHER) return sm2NoteVerifier(vkey);
  throw new AuditError('ERR_AUDIT_INVALID', 'malformed verifier key');
}
