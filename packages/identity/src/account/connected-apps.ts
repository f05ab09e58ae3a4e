import type { Store } from '@onegate/store';

export interface ConnectedApp {
  clientId: string;
  grantId: string;
  scopes: string[];
  since: number;
}

/** The apps an account has let in (its remembered consents), with what each may read; revocable. */
export class ConnectedApps {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async list(accountId: string, now = Date.now()): Promise<ConnectedApp[]> {
    const rows = await this.#store.query<{
      client_id: string;
      grant_id: string;
      updated_at: number;
      payload: string;
    }>(
      `SELECT c.client_id, c.grant_id, c.updated_at, p.payload
       FROM oidc_consents c JOIN oidc_payloads p ON p.model = 'Grant' AND p.id = c.grant_id
       WHERE c.account_id = $1 AND (p.expires_at IS NULL OR p.expires_at > $2)
       ORDER BY c.updated_at DESC`,
      [accountId, now],
    );
    return rows.map((row) => {
      const grant = JSON.parse(row.payload) as { openid?: { scope?: string } };
      return {
        clientId: row.client_id,
        grantId: row.grant_id,
        scopes: (grant.openid?.scope ?? '').split(' ').filter((s) => s && s !== 'openid'),
        since: Number(row.updated_at),
      };
    });
  }

  /** Withdraws the consent: the grant and every token bought with it go; the next visit asks again. */
  async revoke(accountId: string, clientId: string): Promise<boolean> {
    return this.#store.transaction(async (tx) => {
      const row = await tx.maybeOne<{ grant_id: string }>(
        'SELECT grant_id FROM oidc_consents WHERE account_id = $1 AND client_id = $2',
        [accountId, clientId],
      );
      if (!row) return false;
      await tx.exec('DELETE FROM oidc_payloads WHERE grant_id = $1 OR (model = $2 AND id = $1)', [
        row.grant_id,
        'Grant',
      ]);
      await tx.exec('DELETE FROM oidc_consents WHERE account_id = $1 AND client_id = $2', [
        accountId,
        clientId,
      ]);
      return true;
    });
  }
}
