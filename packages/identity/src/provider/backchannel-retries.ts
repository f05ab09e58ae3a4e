import type Provider from 'oidc-provider';
import type { MigrationSet, Queryable, Store } from '@onegate/store';
import type { AuditSink } from '../audit/audit-sink.ts';
import { IdentityError } from '../errors.ts';

export const backchannelMigrations: MigrationSet = {
  owner: 'identity-backchannel',
  migrations: [
    {
      version: 1,
      name: 'back-channel logout retries',
      up: {
        sqlite: `CREATE TABLE backchannel_retries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  client_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  sid TEXT,
  attempts INTEGER NOT NULL,
  next_at INTEGER NOT NULL
);
CREATE INDEX backchannel_retries_due ON backchannel_retries (next_at);`,
        postgres: `CREATE TABLE backchannel_retries (
  id BIGSERIAL PRIMARY KEY,
  client_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  sid TEXT,
  attempts INTEGER NOT NULL,
  next_at BIGINT NOT NULL
);
CREATE INDEX backchannel_retries_due ON backchannel_retries (next_at);`,
      },
    },
  ],
};

/** Waits after the 1st, 2nd … failed delivery; after the last, OneGate gives up and audits that. */
const BACKOFF_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000];
/** While one instance delivers a retry, others leave it alone for this long. */
const CLAIM_MS = 60_000;

interface RetryRow {
  id: number;
  client_id: string;
  account_id: string;
  sid: string | null;
  attempts: number;
  next_at: number;
}

/**
 * oidc-provider tries a back-channel logout once. An app that was down must
 * still learn that the citizen signed out, so failures are queued in the
 * store (surviving restarts, shared by instances) and retried with backoff.
 */
/**
 * Why a delivery failed, for the audit event (ASVS 16.3.4): the app's HTTP
 * status, or the network or TLS error's code (`ECONNREFUSED`,
 * `CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID` …), or a timeout; never
 * the logout token.
 */
export function deliveryFailure(err: unknown): string {
  const { name, message, cause } = (err ?? {}) as { name?: unknown; message?: unknown; cause?: unknown };
  const status = typeof message === 'string' ? /got: (\d{3})\b/.exec(message)?.[1] : undefined;
  if (status !== undefined) return `http_${status}`;
  if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  const code =
    (cause as { code?: unknown } | undefined)?.code ?? (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,64}$/.test(code)) return code;
  return typeof message === 'string' && message !== '' ? message.slice(0, 200) : 'unknown';
}

/**
 * OneGate's own address guard refused the app's URI (`outbound-fetch.ts`):
 * every retry would be refused the same way without a connection, so the
 * logout is given up at once, audited `target_refused`, not retried for an hour.
 */
export function refusedTarget(err: unknown): boolean {
  return err instanceof IdentityError && err.code === 'ERR_OUTBOUND_REFUSED';
}

export class BackchannelRetries {
  readonly #store: Store;
  readonly #audit: AuditSink;
  readonly #provider: () => Provider;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(options: { store: Store; audit: AuditSink; provider: () => Provider }) {
    this.#store = options.store;
    this.#audit = options.audit;
    this.#provider = options.provider;
  }

  async enqueue(clientId: string, accountId: string, sid: string | undefined): Promise<void> {
    await queueLogout(this.#store, {
      clientId,
      accountId,
      sid,
      attempts: 1,
      dueAt: Date.now() + BACKOFF_MS[0]!,
    });
  }

  /**
   * Delivers a logout now (OneGate ending a session itself, e.g. from the
   * account page); a failure is audited and queued like one of the provider's.
   */
  async deliverNow(clientId: string, accountId: string, sid: string | undefined): Promise<void> {
    const event = { action: 'logout.backchannel', clientId, subject: accountId, sessionId: sid };
    try {
      await this.#send(clientId, accountId, sid);
      await this.#audit.write({ ...event, outcome: 'success', details: { attempt: 1 } });
    } catch (err) {
      const refused = refusedTarget(err);
      await this.#audit.write({
        ...event,
        outcome: 'failure',
        reason: refused ? 'target_refused' : 'will_retry',
        details: { attempt: 1, cause: deliveryFailure(err) },
      });
      if (!refused) await this.enqueue(clientId, accountId, sid);
    }
  }

  start(intervalMs = 2000): void {
    this.#timer ??= setInterval(() => void this.runDue(), intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Delivers every retry that is due; returns when done. */
  runDue(now = Date.now()): Promise<void> {
    this.#running ??= this.#deliverDue(now).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #deliverDue(now: number): Promise<void> {
    const due = await this.#store.query<RetryRow>(
      'SELECT id, client_id, account_id, sid, attempts, next_at FROM backchannel_retries WHERE next_at <= $1 ORDER BY next_at LIMIT 20',
      [now],
    );
    for (const row of due) {
      const claimed = await this.#store.exec(
        'UPDATE backchannel_retries SET next_at = $1 WHERE id = $2 AND next_at = $3',
        [now + CLAIM_MS, row.id, row.next_at],
      );
      if (claimed === 1) await this.#deliver(row, now);
    }
  }

  async #deliver(row: RetryRow, now: number): Promise<void> {
    const event = {
      action: 'logout.backchannel',
      clientId: row.client_id,
      subject: row.account_id,
      sessionId: row.sid ?? undefined,
    };
    try {
      await this.#send(row.client_id, row.account_id, row.sid ?? undefined);
      await this.#store.exec('DELETE FROM backchannel_retries WHERE id = $1', [row.id]);
      await this.#audit.write({ ...event, outcome: 'success', details: { attempt: row.attempts + 1 } });
    } catch (err) {
      const cause = deliveryFailure(err);
      const wait = BACKOFF_MS[row.attempts];
      if (wait === undefined || refusedTarget(err)) {
        await this.#store.exec('DELETE FROM backchannel_retries WHERE id = $1', [row.id]);
        await this.#audit.write({
          ...event,
          outcome: 'failure',
          reason: wait === undefined ? 'gave_up' : 'target_refused',
          details: { attempts: row.attempts + 1, cause },
        });
        return;
      }
      await this.#store.exec(
        'UPDATE backchannel_retries SET attempts = attempts + 1, next_at = $1 WHERE id = $2',
        [now + wait, row.id],
      );
      await this.#audit.write({
        ...event,
        outcome: 'failure',
        reason: 'will_retry',
        details: { attempt: row.attempts + 1, cause },
      });
    }
  }

  async #send(clientId: string, accountId: string, sid: string | undefined): Promise<void> {
    const client = await this.#provider().Client.find(clientId);
    if (!client) throw new Error('client no longer registered');
    // Typed loosely upstream; it POSTs a freshly signed logout token to the app.
    await (
      client as unknown as { backchannelLogout(sub: string, sid: string): Promise<void> }
    ).backchannelLogout(accountId, sid ?? '');
  }
}

/**
 * A logout for the retry loop of any running server to deliver at `dueAt`;
 * `attempts` already made. Store-only, so the CLI can queue one too.
 */
export async function queueLogout(
  q: Queryable,
  logout: { clientId: string; accountId: string; sid: string | undefined; attempts: number; dueAt: number },
): Promise<void> {
  await q.exec(
    'INSERT INTO backchannel_retries (client_id, account_id, sid, attempts, next_at) VALUES ($1, $2, $3, $4, $5)',
    [logout.clientId, logout.accountId, logout.sid ?? null, logout.attempts, logout.dueAt],
  );
}
