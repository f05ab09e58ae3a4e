import type { Queryable, Store } from '@onegate/store';
import { queueLogout } from '../provider/backchannel-retries.ts';

/** What OneGate reads of an oidc-provider Session payload. */
export interface SessionPayload {
  accountId?: string;
  authorizations?: Record<string, { sid?: string; grantId?: string }>;
}

/**
 * Deletes one sign-on session, its device record, and what its sign-ins
 * bought (codes, access and refresh tokens; the grants stay, as consent).
 */
export async function deleteSession(q: Queryable, uid: string, payload: SessionPayload): Promise<void> {
  await q.exec("DELETE FROM oidc_payloads WHERE model = 'Session' AND uid = $1", [uid]);
  await q.exec('DELETE FROM identity_session_devices WHERE uid = $1', [uid]);
  for (const { grantId } of Object.values(payload.authorizations ?? {})) {
    if (grantId)
      await q.exec('DELETE FROM oidc_payloads WHERE grant_id = $1 AND model <> $2', [grantId, 'Grant']);
  }
}

/**
 * Ends every sign-on session of an account with the store alone (the CLI has
 * no provider): the sessions go, with everything their sign-ins bought
 * (codes, access and refresh tokens), and each app that registered a
 * back-channel logout URI gets one queued, due at once, for any running
 * server to deliver (audited, retried). What disabling an account needs
 * (ASVS 7.4.2). Returns how many sessions ended.
 */
export async function endAccountSessions(
  store: Store,
  accountId: string,
  backchannelUriOf: (clientId: string) => Promise<string | undefined>,
  now = Date.now(),
): Promise<number> {
  // Sessions carry the account only inside their payload; the id is checked after parsing.
  const rows = await store.query<{ uid: string; payload: string }>(
    "SELECT uid, payload FROM oidc_payloads WHERE model = 'Session' AND payload LIKE $1",
    [`%${JSON.stringify(accountId).slice(1, -1)}%`],
  );
  let ended = 0;
  for (const row of rows) {
    const payload = JSON.parse(row.payload) as SessionPayload;
    if (payload.accountId !== accountId) continue;
    await store.transaction(async (tx) => {
      await deleteSession(tx, row.uid, payload);
      for (const [clientId, { sid }] of Object.entries(payload.authorizations ?? {})) {
        if (await backchannelUriOf(clientId)) {
          await queueLogout(tx, { clientId, accountId, sid, attempts: 0, dueAt: now });
        }
      }
    });
    ended++;
  }
  return ended;
}
