import type { Queryable } from '@onegate/store';

export type ChallengePurpose = 'register' | 'authenticate';

/** How long a ceremony may take, from options to response. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

export interface IssuedChallenge {
  challenge: string;
  purpose: ChallengePurpose;
  accountId: string | null;
}

interface ChallengeRow {
  challenge: string;
  purpose: ChallengePurpose;
  account_id: string | null;
  expires_at: number | bigint;
}

/**
 * WebAuthn challenges kept in the store, so any process sharing it can finish
 * a ceremony another one began. Each is under a caller-chosen key (e.g. the
 * interaction id); a newer one replaces it.
 */
export async function putChallenge(
  db: Queryable,
  key: string,
  issued: IssuedChallenge,
  nowMs: number,
): Promise<void> {
  // Expired challenges nobody came back for are swept here, not by a timer.
  await db.exec('DELETE FROM identity_webauthn_challenges WHERE expires_at <= $1', [nowMs]);
  await db.exec(
    `INSERT INTO identity_webauthn_challenges (key, challenge, purpose, account_id, expires_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (key) DO UPDATE SET challenge = excluded.challenge, purpose = excluded.purpose,
       account_id = excluded.account_id, expires_at = excluded.expires_at`,
    [key, issued.challenge, issued.purpose, issued.accountId, nowMs + CHALLENGE_TTL_MS],
  );
}

/**
 * Removes and returns the challenge under `key` if it is live and for
 * `purpose`. The DELETE … RETURNING is the single use: of two requests racing
 * with one challenge, only one gets it back.
 */
export async function takeChallenge(
  db: Queryable,
  key: string,
  purpose: ChallengePurpose,
  nowMs: number,
): Promise<IssuedChallenge | undefined> {
  const [row] = await db.query<ChallengeRow>(
    `DELETE FROM identity_webauthn_challenges WHERE key = $1
     RETURNING challenge, purpose, account_id, expires_at`,
    [key],
  );
  if (!row || row.purpose !== purpose || Number(row.expires_at) <= nowMs) return undefined;
  return { challenge: row.challenge, purpose: row.purpose, accountId: row.account_id };
}
