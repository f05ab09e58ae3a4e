import { PrivacyError } from '../errors.ts';
import type { KeyAuditEvent, KeyAuditSink } from '../keyring/key-audit.ts';
import type { FieldAddress } from './api-input.ts';

/** Who calls the API: the app, from its access token. */
export interface PrivacyCaller {
  clientId: string;
  scopes: readonly string[];
  /** The signed-in person the token was issued for; absent for client credentials. */
  accountId?: string | undefined;
  /** The sign-in level the token states; with a person's own token the only acr believed. */
  acr?: string | undefined;
}

/** One question to authorization: may `actor` decrypt this field, for this purpose, at this sign-in level? */
export interface DecryptCheck {
  actor: string;
  /** `collection/row/field`: the field of the record. */
  resource: string;
  purpose: string;
  acr?: string | undefined;
}

export interface DecryptVerdict {
  allowed: boolean;
  /** Why not, in authorization's words (`no-matching-rule`, `denied-by-rule` …). */
  reason?: string | undefined;
  /** Links the decrypt's audit event to the decision's. */
  decisionId?: string | undefined;
}

/**
 * Answers every check of a batch, in order. The server backs it with
 * `@onegate/authz` (action `decrypt`); without one, the scope alone governs.
 */
export type DecryptAuthorizer = (checks: DecryptCheck[], caller: PrivacyCaller) => Promise<DecryptVerdict[]>;

export const DECRYPT_SCOPE = 'privacy:decrypt';
export const ENCRYPT_SCOPE = 'privacy:encrypt';

/** One decrypt (or refusal) as the audit log keeps it: who, whose data, which field, why. */
export interface DecryptRecord {
  actor: string;
  caller: PrivacyCaller;
  address: FieldAddress;
  purpose: string;
  /** The data subject: named by the app, or by the key when it is the subject's own. */
  subject?: string | undefined;
  keyId?: string | undefined;
  version?: number | undefined;
  decisionId?: string | undefined;
}

export function decryptEvent(
  record: DecryptRecord,
  outcome: KeyAuditEvent['outcome'],
  reason?: string,
): KeyAuditEvent {
  const { address } = record;
  return {
    action: 'privacy.decrypt',
    outcome,
    actor: record.actor,
    clientId: record.caller.clientId,
    subject: record.subject,
    reason,
    details: {
      purpose: record.purpose,
      collection: address.collection,
      row: address.row,
      field: address.field,
      ...(record.keyId === undefined ? {} : { keyId: record.keyId, version: record.version }),
      ...(record.decisionId === undefined ? {} : { decisionId: record.decisionId }),
    },
  };
}

/**
 * Writes every event; if any write fails the decrypt fails with it, so
 * nothing is shown that the log does not hold.
 */
export async function auditAll(audit: KeyAuditSink, events: KeyAuditEvent[]): Promise<void> {
  // Written together, the sink commits them in a few group transactions, not one by one.
  const written = await Promise.allSettled(events.map((event) => audit.write(event)));
  if (written.some((w) => w.status === 'rejected')) {
    throw new PrivacyError(
      'ERR_PRIVACY_UNAVAILABLE',
      'the decrypt could not be recorded in the audit log, so nothing was decrypted; try again later',
    );
  }
}

export function forbidden(message: string): PrivacyError {
  return new PrivacyError('ERR_PRIVACY_FORBIDDEN', message);
}
