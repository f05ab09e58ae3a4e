import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Store } from '@onegate/store';

/**
 * oidc-provider finds a grant only through the current session, so a citizen
 * would be asked for consent again at every new sign-in. The grant an account
 * gave an app is remembered here until it expires or is revoked.
 */
export class RememberedConsents {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async remember(accountId: string, clientId: string, grantId: string): Promise<void> {
    await this.#store.exec(
      `INSERT INTO oidc_consents (account_id, client_id, grant_id, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account_id, client_id) DO UPDATE SET grant_id = excluded.grant_id, updated_at = excluded.updated_at`,
      [accountId, clientId, grantId, Date.now()],
    );
  }

  async forget(accountId: string, clientId: string): Promise<void> {
    await this.#store.exec('DELETE FROM oidc_consents WHERE account_id = $1 AND client_id = $2', [
      accountId,
      clientId,
    ]);
  }

  /** `loadExistingGrant`: this interaction's result, else the session's grant, else the remembered one. */
  loadExistingGrant() {
    return async (ctx: KoaContextWithOIDC) => {
      const { oidc } = ctx;
      const clientId = oidc.client!.clientId;
      const accountId = oidc.session!.accountId;
      const grantId =
        (oidc.result?.['consent'] as { grantId?: string } | undefined)?.grantId ??
        oidc.session!.grantIdFor(clientId) ??
        (accountId ? await this.#find(accountId, clientId) : undefined);
      if (!grantId) return undefined;
      const grant = await oidc.provider.Grant.find(grantId);
      return grant && grant.accountId === accountId && grant.clientId === clientId ? grant : undefined;
    };
  }

  async #find(accountId: string, clientId: string): Promise<string | undefined> {
    const row = await this.#store.maybeOne<{ grant_id: string }>(
      'SELECT grant_id FROM oidc_consents WHERE account_id = $1 AND client_id = $2',
      [accountId, clientId],
    );
    return row?.grant_id;
  }
}
