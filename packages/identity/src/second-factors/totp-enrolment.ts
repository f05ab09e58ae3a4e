import type { KeyObject } from 'node:crypto';
import type { Keyring } from '@onegate/privacy';
import type { MigrationSet, Store } from '@onegate/store';
import QRCode from 'qrcode';
import { IdentityError } from '../errors.ts';
import { isSealedBox, open } from '../keys/sealed-box.ts';
import { TOTP_SECRET } from '../personal-data/encrypted-columns.ts';
import { FieldSealer } from '../personal-data/field-sealer.ts';
import { base32Encode, generateTotpSecret, otpauthUri, verifyTotp, type TotpVerification } from './totp.ts';

const table = (time: string) => `CREATE TABLE identity_totp (
  account_id TEXT PRIMARY KEY,
  sealed_secret TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'active')),
  last_used_step ${time},
  created_at ${time} NOT NULL,
  activated_at ${time},
  CHECK ((state = 'active') = (activated_at IS NOT NULL))
);`;

/**
 * One authenticator per account. The secret is sealed under the keyring's
 * `identity.totp.secret` key, bound to the account's row (so it opens for
 * no other account); secrets written before that are `v1.` sealed boxes
 * under the master key (AAD `totp:<account_id>`), resealed at start.
 * `last_used_step` is the step of the newest code accepted, for replay
 * protection.
 */
export const totpMigrations: MigrationSet = {
  owner: 'identity-totp',
  migrations: [
    {
      version: 1,
      name: 'totp authenticators',
      up: { sqlite: table('INTEGER'), postgres: table('BIGINT') },
    },
  ],
};

export interface TotpFactorsOptions {
  store: Store;
  /** Seals the secrets at rest. */
  keyring: Keyring;
  /** Opens secrets sealed before the keyring (`v1.` sealed boxes). */
  masterKey: KeyObject;
}

/** What the enrolment page shows, once: the QR code, and the secret for typing in by hand. */
export interface TotpEnrolment {
  secretBase32: string;
  otpauthUri: string;
  /** A self-contained `<svg>`: drawn here, so the secret never goes to a QR-code service. */
  qrSvg: string;
}

interface TotpRow {
  sealed_secret: string;
  state: 'pending' | 'active';
  last_used_step: number | null;
}

/**
 * TOTP authenticators: enrol (`begin`, then `activate` with the first code),
 * check codes at sign-in (`verify`), remove. Replays are refused across every
 * process sharing the store. Guessing is not limited here: the caller throttles
 * attempts, as for passwords.
 */
export class TotpFactors {
  readonly #store: Store;
  readonly #sealer: FieldSealer;
  readonly #masterKey: KeyObject;

  constructor(options: TotpFactorsOptions) {
    this.#store = options.store;
    this.#sealer = new FieldSealer(options.keyring);
    this.#masterKey = options.masterKey;
  }

  /**
   * Reseals under the keyring every secret still in a master-key sealed box;
   * returns how many. A secret changed meanwhile (new enrolment, removal) is
   * left to its writer; one that will not open is reported to `onError` and
   * left as it is (it fails at sign-in as it would have).
   */
  async resealLegacy(onError: (err: unknown) => void): Promise<number> {
    const rows = await this.#store.query<{ account_id: string; sealed_secret: string }>(
      "SELECT account_id, sealed_secret FROM identity_totp WHERE sealed_secret LIKE 'v1.%'",
    );
    let resealed = 0;
    for (const row of rows) {
      let secret: Buffer;
      try {
        secret = open(this.#masterKey, row.sealed_secret, aad(row.account_id));
      } catch (err) {
        onError(err);
        continue;
      }
      resealed += await this.#store.exec(
        'UPDATE identity_totp SET sealed_secret = $3 WHERE account_id = $1 AND sealed_secret = $2',
        [row.account_id, row.sealed_secret, await this.#sealer.seal(TOTP_SECRET, row.account_id, secret)],
      );
    }
    return resealed;
  }

  /**
   * Starts an enrolment with a fresh secret, replacing any earlier one not
   * yet activated. An account with an active authenticator must `remove` it
   * first, so a hijacked session cannot silently swap in its own.
   */
  async begin(
    accountId: string,
    label: { account: string; issuer: string },
    nowMs = Date.now(),
  ): Promise<TotpEnrolment> {
    const secret = generateTotpSecret();
    const uri = otpauthUri({ secret, account: label.account, issuer: label.issuer });
    const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
    // The WHERE makes "replace only a pending one" a single atomic statement.
    const written = await this.#store.exec(
      `INSERT INTO identity_totp (account_id, sealed_secret, state, last_used_step, created_at, activated_at)
       VALUES ($1, $2, 'pending', NULL, $3, NULL)
       ON CONFLICT (account_id) DO UPDATE SET sealed_secret = excluded.sealed_secret, created_at = excluded.created_at
       WHERE identity_totp.state = 'pending'`,
      [accountId, await this.#sealer.seal(TOTP_SECRET, accountId, secret), nowMs],
    );
    if (written === 0) throw alreadyActive();
    return { secretBase32: base32Encode(secret), otpauthUri: uri, qrSvg };
  }

  /**
   * Activates the pending authenticator if `code` is right, which shows the
   * app was set up correctly. The code counts as used: it cannot then sign in.
   */
  async activate(accountId: string, code: string, nowMs = Date.now()): Promise<TotpVerification> {
    const row = await this.#row(accountId);
    if (!row) throw notEnrolled('no authenticator app is being set up for this account');
    if (row.state === 'active') throw alreadyActive();
    const result = verifyTotp(await this.#open(accountId, row), code, { nowMs });
    if (!result.ok) return result;
    const activated = await this.#store.exec(
      `UPDATE identity_totp SET state = 'active', activated_at = $3, last_used_step = $4
       WHERE account_id = $1 AND sealed_secret = $2 AND state = 'pending'`,
      [accountId, row.sealed_secret, nowMs, result.step],
    );
    if (activated === 1) return result;
    // Meanwhile another request activated it, or a new `begin` replaced the secret this code is for.
    if ((await this.#row(accountId))?.state === 'active') throw alreadyActive();
    return { ok: false, reason: 'invalid' };
  }

  /**
   * Checks a sign-in code against the active authenticator. Accepting it
   * moves `last_used_step` forward in one conditional UPDATE, so of two
   * requests racing with the same code exactly one succeeds.
   */
  async verify(accountId: string, code: string, nowMs = Date.now()): Promise<TotpVerification> {
    const row = await this.#row(accountId);
    if (row?.state !== 'active') throw notEnrolled('no authenticator app is set up for this account');
    const lastUsedStep = row.last_used_step === null ? undefined : Number(row.last_used_step);
    const result = verifyTotp(await this.#open(accountId, row), code, { nowMs, lastUsedStep });
    if (!result.ok) return result;
    const claimed = await this.#store.exec(
      `UPDATE identity_totp SET last_used_step = $3
       WHERE account_id = $1 AND sealed_secret = $2 AND state = 'active'
         AND (last_used_step IS NULL OR last_used_step < $3)`,
      [accountId, row.sealed_secret, result.step],
    );
    return claimed === 1 ? result : { ok: false, reason: 'replayed' };
  }

  async isActive(accountId: string): Promise<boolean> {
    return (await this.#row(accountId))?.state === 'active';
  }

  /** Removes the authenticator, pending or active; returns whether there was one. */
  async remove(accountId: string): Promise<boolean> {
    return (await this.#store.exec('DELETE FROM identity_totp WHERE account_id = $1', [accountId])) > 0;
  }

  async #row(accountId: string): Promise<TotpRow | undefined> {
    return this.#store.maybeOne<TotpRow>(
      'SELECT sealed_secret, state, last_used_step FROM identity_totp WHERE account_id = $1',
      [accountId],
    );
  }

  async #open(accountId: string, row: TotpRow): Promise<Buffer> {
    return isSealedBox(row.sealed_secret)
      ? open(this.#masterKey, row.sealed_secret, aad(accountId))
      : this.#sealer.open(TOTP_SECRET, accountId, row.sealed_secret);
  }
}

/** The associated data of a secret in a master-key sealed box. */
function aad(accountId: string): string {
  return `totp:${accountId}`;
}

function alreadyActive(): IdentityError {
  return new IdentityError(
    'ERR_TOTP_ALREADY_ACTIVE',
    'an authenticator app is already set up for this account; remove it before setting up another',
  );
}

function notEnrolled(message: string): IdentityError {
  return new IdentityError('ERR_TOTP_NOT_ENROLLED', message);
}
