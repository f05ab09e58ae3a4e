import type { MigrationSet, Queryable, Store } from '@onegate/store';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type CredentialDeviceType,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { IdentityError } from '../errors.ts';
import { CHALLENGE_TTL_MS, putChallenge, takeChallenge } from './webauthn-challenges.ts';

const tables = (time: string) => `CREATE TABLE identity_passkeys (
  credential_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  public_key TEXT NOT NULL,
  counter ${time} NOT NULL,
  transports TEXT NOT NULL,
  device_type TEXT NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
  backed_up INTEGER NOT NULL,
  aaguid TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at ${time} NOT NULL,
  last_used_at ${time}
);
CREATE INDEX identity_passkeys_account ON identity_passkeys (account_id);
CREATE TABLE identity_webauthn_challenges (
  key TEXT PRIMARY KEY,
  challenge TEXT NOT NULL,
  purpose TEXT NOT NULL CHECK (purpose IN ('register', 'authenticate')),
  account_id TEXT,
  expires_at ${time} NOT NULL
);
CREATE INDEX identity_webauthn_challenges_expires ON identity_webauthn_challenges (expires_at);`;

/**
 * Passkeys (WebAuthn credentials) and the challenges of ceremonies under way.
 * Credential ids and COSE public keys are base64url text: binary column types
 * differ between the engines.
 */
export const passkeyMigrations: MigrationSet = {
  owner: 'identity-passkeys',
  migrations: [
    {
      version: 1,
      name: 'passkeys and webauthn challenges',
      up: { sqlite: tables('INTEGER'), postgres: tables('BIGINT') },
    },
  ],
};

/** ES256 first (every platform authenticator has it), then EdDSA, then RS256 for Windows Hello. */
const ALGORITHMS = [-7, -8, -257];
const MAX_NAME_CHARS = 64;
const DEFAULT_NAME = 'Passkey';

export interface PasskeysOptions {
  store: Store;
  /** The RP ID: the registrable domain the passkeys are bound to, e.g. `id.gov.example`. */
  rpId: string;
  /** Shown by the authenticator, e.g. "OneGate". */
  rpName: string;
  /** The exact origin the ceremonies run on, e.g. `https://id.gov.example`. */
  origin: string;
  now?: () => number;
}

export interface PasskeyAccount {
  id: string;
  username: string;
  /** Shown by the authenticator next to the username; defaults to it. */
  name?: string;
}

export interface RegisteredPasskey {
  credentialId: string;
  name: string;
  deviceType: CredentialDeviceType;
  backedUp: boolean;
}

export interface PasskeySummary extends RegisteredPasskey {
  createdAt: number;
  lastUsedAt: number | null;
}

export interface PasskeyAuthentication {
  accountId: string;
  credentialId: string;
  /** RFC 8176: `hwk` for a device-bound key, `swk` for a synced one; `user` since UV is required. */
  amr: string[];
}

interface PasskeyRow {
  credential_id: string;
  account_id: string;
  public_key: string;
  counter: number | bigint;
  transports: string;
  device_type: CredentialDeviceType;
  backed_up: number;
  name: string;
  created_at: number | bigint;
  last_used_at: number | bigint | null;
}

/**
 * Passkey registration and username-less sign-in. Every failure of a
 * ceremony is the same `ERR_PASSKEY_INVALID` with the same message, so a
 * response cannot be tuned by reading errors; the caller audits and throttles.
 */
export class Passkeys {
  readonly #store: Store;
  readonly #rpId: string;
  readonly #rpName: string;
  readonly #origin: string;
  readonly #now: () => number;

  constructor(options: PasskeysOptions) {
    this.#store = options.store;
    this.#rpId = options.rpId;
    this.#rpName = options.rpName;
    this.#origin = options.origin;
    this.#now = options.now ?? Date.now;
  }

  /** Options for `navigator.credentials.create()`; the challenge is kept under `challengeKey`. */
  async registrationOptions(
    account: PasskeyAccount,
    challengeKey: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const existing = await this.#rows(account.id);
    const options = await generateRegistrationOptions({
      rpName: this.#rpName,
      rpID: this.#rpId,
      // The account id (a UUID) is the user handle: opaque, and how sign-in finds the account.
      userID: new TextEncoder().encode(account.id),
      userName: account.username,
      userDisplayName: account.name ?? account.username,
      timeout: CHALLENGE_TTL_MS,
      attestationType: 'none',
      // Stops the same authenticator being registered twice for the account.
      excludeCredentials: existing.map((row) => ({ id: row.credential_id, transports: transportsOf(row) })),
      authenticatorSelection: {
        residentKey: 'required',
        requireResidentKey: true,
        userVerification: 'required',
      },
      supportedAlgorithmIDs: ALGORITHMS,
    });
    await putChallenge(
      this.#store,
      challengeKey,
      { challenge: options.challenge, purpose: 'register', accountId: account.id },
      this.#now(),
    );
    return options;
  }

  /** Verifies the authenticator's response and keeps the new passkey for `accountId`. */
  async register(
    accountId: string,
    challengeKey: string,
    response: RegistrationResponseJSON,
    name: string,
  ): Promise<RegisteredPasskey> {
    // Checked first, so a bad name does not use up the challenge.
    const passkeyName = normalizeName(name) ?? DEFAULT_NAME;
    const nowMs = this.#now();
    const issued = await takeChallenge(this.#store, challengeKey, 'register', nowMs);
    if (!issued || issued.accountId !== accountId) throw invalid();
    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: issued.challenge,
      expectedOrigin: this.#origin,
      expectedRPID: this.#rpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    }).catch((cause: unknown) => {
      throw invalid(cause);
    });
    if (!verification.verified) throw invalid();
    const info = verification.registrationInfo;
    // The id the client claims must be the one the authenticator signed.
    if (response.id !== info.credential.id) throw invalid();
    const transports = JSON.stringify(cleanTransports(response.response.transports));
    // A credential id already registered (to anyone) is refused, never overwritten.
    const inserted = await this.#store.exec(
      `INSERT INTO identity_passkeys (credential_id, account_id, public_key, counter, transports,
         device_type, backed_up, aaguid, name, created_at, last_used_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL)
       ON CONFLICT (credential_id) DO NOTHING`,
      [
        info.credential.id,
        accountId,
        Buffer.from(info.credential.publicKey).toString('base64url'),
        info.credential.counter,
        transports,
        info.credentialDeviceType,
        info.credentialBackedUp ? 1 : 0,
        info.aaguid,
        passkeyName,
        nowMs,
      ],
    );
    if (inserted !== 1) throw invalid();
    return {
      credentialId: info.credential.id,
      name: passkeyName,
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
    };
  }

  /**
   * Options for `navigator.credentials.get()`. No allowCredentials: the
   * authenticator offers its discoverable passkeys, so no username is asked
   * for and none is disclosed.
   */
  async authenticationOptions(challengeKey: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const options = await generateAuthenticationOptions({
      rpID: this.#rpId,
      allowCredentials: [],
      userVerification: 'required',
      timeout: CHALLENGE_TTL_MS,
    });
    await putChallenge(
      this.#store,
      challengeKey,
      { challenge: options.challenge, purpose: 'authenticate', accountId: null },
      this.#now(),
    );
    return options;
  }

  /** Verifies a sign-in with a passkey; returns whose it is. */
  async authenticate(
    challengeKey: string,
    response: AuthenticationResponseJSON,
  ): Promise<PasskeyAuthentication> {
    const nowMs = this.#now();
    // Taken before anything else, so a failed attempt cannot be retried with it.
    const issued = await takeChallenge(this.#store, challengeKey, 'authenticate', nowMs);
    // The response is whatever the browser (or an attacker) posted: check its shape before reading it.
    if (!issued || !isAssertionShaped(response)) throw invalid();
    const row = await this.#store.maybeOne<PasskeyRow>(
      `SELECT ${COLUMNS} FROM identity_passkeys WHERE credential_id = $1`,
      [response.id],
    );
    if (!row) throw invalid();
    // A discoverable credential returns its user handle: it must name the credential's owner.
    const userHandle = response.response.userHandle;
    if (typeof userHandle !== 'string' || !sameUserHandle(userHandle, row.account_id)) throw invalid();
    const storedCounter = Number(row.counter);
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: issued.challenge,
      expectedOrigin: this.#origin,
      expectedRPID: this.#rpId,
      requireUserVerification: true,
      credential: {
        id: row.credential_id,
        publicKey: Buffer.from(row.public_key, 'base64url'),
        // The library refuses a counter that does not grow, unless both are 0 (authenticators that do not count).
        counter: storedCounter,
        transports: transportsOf(row),
      },
    }).catch((cause: unknown) => {
      throw invalid(cause);
    });
    if (!verification.verified) throw invalid();
    const info = verification.authenticationInfo;
    // Backup eligibility is fixed when a credential is made; a change means it is not the same key.
    if (info.credentialDeviceType !== row.device_type) throw invalid();
    // Conditional on the counter read, so two assertions racing past verification cannot both land.
    const updated = await this.#store.exec(
      `UPDATE identity_passkeys SET counter = $2, backed_up = $3, last_used_at = $4
       WHERE credential_id = $1 AND counter = $5`,
      [row.credential_id, info.newCounter, info.credentialBackedUp ? 1 : 0, nowMs, storedCounter],
    );
    if (updated !== 1) throw invalid();
    return {
      accountId: row.account_id,
      credentialId: row.credential_id,
      amr: [row.device_type === 'singleDevice' ? 'hwk' : 'swk', 'user'],
    };
  }

  /** The account's passkeys, oldest first. */
  async list(accountId: string): Promise<PasskeySummary[]> {
    return (await this.#rows(accountId)).map((row) => ({
      credentialId: row.credential_id,
      name: row.name,
      deviceType: row.device_type,
      backedUp: Number(row.backed_up) === 1,
      createdAt: Number(row.created_at),
      lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    }));
  }

  /** Renames one of the account's passkeys; another account's is not found. */
  async rename(accountId: string, credentialId: string, name: string): Promise<void> {
    const passkeyName = normalizeName(name);
    if (passkeyName === undefined) throw badName();
    const updated = await this.#store.exec(
      'UPDATE identity_passkeys SET name = $3 WHERE account_id = $1 AND credential_id = $2',
      [accountId, credentialId, passkeyName],
    );
    if (updated !== 1) throw notFound();
  }

  /**
   * Removes one of the account's passkeys; another account's is not found.
   * `SignInMethods.removePasskey` calls this inside its transaction (`db`), so
   * the last way to sign in is never removed.
   */
  async remove(accountId: string, credentialId: string, db: Queryable = this.#store): Promise<void> {
    const deleted = await db.exec(
      'DELETE FROM identity_passkeys WHERE account_id = $1 AND credential_id = $2',
      [accountId, credentialId],
    );
    if (deleted !== 1) throw notFound();
  }

  async count(accountId: string): Promise<number> {
    const row = await this.#store.one<{ n: number | bigint }>(
      'SELECT COUNT(*) AS n FROM identity_passkeys WHERE account_id = $1',
      [accountId],
    );
    return Number(row.n);
  }

  async #rows(accountId: string): Promise<PasskeyRow[]> {
    return this.#store.query<PasskeyRow>(
      `SELECT ${COLUMNS} FROM identity_passkeys WHERE account_id = $1 ORDER BY created_at, credential_id`,
      [accountId],
    );
  }
}

const COLUMNS =
  'credential_id, account_id, public_key, counter, transports, device_type, backed_up, name, created_at, last_used_at';

function transportsOf(row: PasskeyRow): string[] {
  return cleanTransports(JSON.parse(row.transports));
}

/** Transport hints come unsigned from the client: keep a few short strings, drop the rest. */
function cleanTransports(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((t): t is string => typeof t === 'string' && /^[a-z-]{1,32}$/.test(t)).slice(0, 8);
}

function isAssertionShaped(response: unknown): response is AuthenticationResponseJSON {
  if (typeof response !== 'object' || response === null) return false;
  const { id, response: inner } = response as { id?: unknown; response?: unknown };
  return typeof id === 'string' && typeof inner === 'object' && inner !== null;
}

function sameUserHandle(userHandle: string, accountId: string): boolean {
  return Buffer.from(userHandle, 'base64url').toString('utf8') === accountId;
}

/**
 * The name as stored, `undefined` if blank; throws if too long or holding
 * control characters. Counted in code points, so 64 Chinese characters fit.
 */
function normalizeName(name: string): string | undefined {
  const trimmed = name.normalize('NFC').trim();
  if (trimmed === '') return undefined;
  if ([...trimmed].length > MAX_NAME_CHARS || /\p{Cc}/u.test(trimmed)) throw badName();
  return trimmed;
}

function invalid(cause?: unknown): IdentityError {
  // The library's reason stays in `cause`, for logs only.
  return new IdentityError(
    'ERR_PASSKEY_INVALID',
    'the passkey could not be verified',
    cause === undefined ? undefined : { cause },
  );
}

function badName(): IdentityError {
  return new IdentityError('ERR_PASSKEY_INVALID', `a passkey name is 1 to ${MAX_NAME_CHARS} characters`);
}

function notFound(): IdentityError {
  return new IdentityError('ERR_PASSKEY_NOT_FOUND', 'no such passkey for this account');
}
