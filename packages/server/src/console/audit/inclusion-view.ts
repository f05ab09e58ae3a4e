import {
  AuditError,
  openCheckpoint,
  parseCheckpoint,
  type AuditService,
  type Checkpoint,
} from '@onegate/audit';

/** A checkpoint note as the console shows it: its text, what it says, and whether its signature held. */
export interface CheckedCheckpoint {
  note: string;
  checkpoint: Checkpoint;
  /** A signature by one of the log's keys (rotated ones too) verified, server-side. */
  signatureOk: boolean;
}

/** What "prove it" shows and the browser recomputes. */
export interface InclusionView {
  checkpoint: CheckedCheckpoint;
  index: number;
  leaf: Buffer;
  /** Sibling hashes from leaf to root, RFC 9162 order. */
  hashes: Buffer[];
}

/**
 * Opens a stored checkpoint note with every key that ever signed the log, so a
 * checkpoint from before a key rotation still checks. A note no key verifies
 * is still shown (its body parsed unverified), marked as failed.
 */
export async function checkCheckpoint(audit: AuditService, note: string): Promise<CheckedCheckpoint> {
  const verifiers = await audit.verifiers();
  try {
    return { note, checkpoint: openCheckpoint(note, verifiers, { origin: audit.origin }), signatureOk: true };
  } catch (err) {
    if (!(err instanceof AuditError)) throw err;
    const body = note.slice(0, note.indexOf('\n\n') + 1);
    return { note, checkpoint: parseCheckpoint(body), signatureOk: false };
  }
}

/**
 * The inclusion proof of entry `index` in the tree of the latest signed
 * checkpoint: one is signed now when the latest does not cover the entry yet.
 */
export async function inclusionView(
  audit: AuditService,
  index: number,
  leaf: Buffer,
): Promise<InclusionView> {
  let checked = await checkCheckpoint(audit, await audit.publishedCheckpoint());
  if (checked.checkpoint.size <= index) checked = await checkCheckpoint(audit, await audit.checkpoint());
  const proof = await audit.inclusionProof(index, checked.checkpoint.size);
  return {
    checkpoint: checked,
    index,
    leaf,
    hashes: proof.hashes.map((h) => Buffer.from(h, 'base64')),
  };
}
