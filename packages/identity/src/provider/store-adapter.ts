import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Store } from '@onegate/store';

/** Resolves the `Client` model from OneGate's client registry instead of the payload table. */
export type ClientLookup = (clientId: string) => Promise<AdapterPayload | undefined>;

interface PayloadRow {
  payload: string;
  consumed_at: number | null;
}

/**
 * oidc-provider's storage contract on `@onegate/store`: every instance behind
 * one URL reads the same sessions, grants and tokens. Expired rows are never
 * returned, and the sweeper deletes them.
 */
export function storeAdapter(store: Store, clients: ClientLookup): new (model: string) => Adapter {
  return class StoreAdapter implements Adapter {
    readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : null;
      await store.exec(
        `INSERT INTO oidc_payloads (model, id, payload, grant_id, user_code, uid, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
           user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at`,
        [
          this.model,
          id,
          JSON.stringify(payload),
          payload.grantId ?? null,
          payload.userCode ?? null,
          payload.uid ?? null,
          expiresAt,
        ],
      );
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return clients(id);
      return this.#findBy('id', id);
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.#findBy('user_code', userCode);
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.#findBy('uid', uid);
    }

    async consume(id: string): Promise<void> {
      await store.exec('UPDATE oidc_payloads SET consumed_at = $1 WHERE model = $2 AND id = $3', [
        Math.floor(Date.now() / 1000),
        this.model,
        id,
      ]);
    }

    async destroy(id: string): Promise<void> {
      await store.exec('DELETE FROM oidc_payloads WHERE model = $1 AND id = $2', [this.model, id]);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      // Every artifact of a grant goes at once: codes, access and refresh tokens alike.
      await store.exec('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
    }

    async #findBy(column: 'id' | 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
      const row = await store.maybeOne<PayloadRow>(
        `SELECT payload, consumed_at FROM oidc_payloads
         WHERE model = $1 AND ${column} = $2 AND (expires_at IS NULL OR expires_at > $3)`,
        [this.model, value, Date.now()],
      );
      if (!row) return undefined;
      const payload = JSON.parse(row.payload) as AdapterPayload;
      return row.consumed_at === null ? payload : { ...payload, consumed: row.consumed_at };
    }
  };
}

/** Deletes expired artifacts; returns how many went. */
export async function sweepExpired(store: Store, now = Date.now()): Promise<number> {
  return store.exec('DELETE FROM oidc_payloads WHERE expires_at IS NOT NULL AND expires_at <= $1', [now]);
}
