import type { Store } from '@onegate/store';

interface SessionPayload {
  accountId?: string;
  authorizations?: Record<string, { sid?: string; grantId?: string }>;
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
      await tx.exec("DELETE FROM oidc_payloads WHERE model = 'Session' AND uid = $1", [row.uid]);
      await tx.exec('DELETE FROM identity_session_devices WHERE uid = $1', [row.uid]);
      for (const [clientId, { sid, grantId }] of Object.entries(payload.authorizations ?? {})) {
        if (grantId) {
          await tx.exec('DELETE FROM oidc_payloads WHERE grant_id = $1 AND model <> $2', [grantId, 'Grant']);
        }
        if (await backchannelUriOf(clientId)) {
          await tx.exec(
            'INSERT INTO backchannel_retries (client_id, account_id, sid, attempts, next_at) VALUES ($1, $2, $3, 0, $4)',
            [clientId, accountId, sid ?? null, now],
          );
        }
      }
    });
    ended++;
  }
  return ended;
}
