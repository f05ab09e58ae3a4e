import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { AdapterPayload } from 'oidc-provider';
import type { Store } from '@onegate/store';
import type { AuditSink } from '../audit/audit-sink.ts';
import { IdentityError } from '../errors.ts';
import { open, seal } from '../keys/sealed-box.ts';
import {
  storedClient,
  validateClientInput,
  type ClientInput,
  type ClientKind,
  type ValidatedClient,
} from './client-input.ts';
import { bindingInput, CERTIFICATE_INPUT_FIELDS, certificateJwks } from './client-tls.ts';

/** What `client show`/`list` print and the admin API returns; never the secret. */
export interface ClientInfo extends ValidatedClient {
  clientId: string;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface CreatedClient {
  client: ClientInfo;
  /** Shown once, at creation or rotation; only a sealed copy is kept. */
  clientSecret?: string;
}

interface ClientRow {
  id: string;
  kind: string;
  metadata: string;
  secret_sealed: string | null;
  disabled: number;
  created_at: number;
  updated_at: number;
}

export const CLIENTS_TOPIC = 'identity.clients';

/** Registered clients whose provider metadata is kept in memory; a government has hundreds, not thousands. */
const CACHE_LIMIT = 5000;

/** Registered apps and services, with secrets sealed at rest under the master key. */
export class ClientRegistry {
  readonly #store: Store;
  readonly #masterKey: KeyObject;
  readonly #allowLoopbackHttp: boolean;
  readonly #outboundAllowedHosts: readonly string[];
  readonly #allowRs256: boolean;

  readonly #audit: AuditSink | undefined;
  /**
   * Provider metadata per client: read and unsealed once, not on every token
   * request. Kept as JSON text (each request parses its own copy, cheaper
   * than a structured clone), in an entry that is a new object after every
   * change, so `loadedMetadata` tells its callers whether what they built
   * from it is still current.
   */
  readonly #cache = new Map<string, { text: string }>();

  /** Every change is audited when `audit` is given, with the acting operator or client as actor. */
  constructor(options: {
    store: Store;
    masterKey: KeyObject;
    allowLoopbackHttp: boolean;
    /** Hosts on private networks a back-channel logout URI may name (ONEGATE_OUTBOUND_ALLOW_HOSTS). */
    outboundAllowedHosts?: readonly string[];
    /** RS256 is among the signing algorithms (ONEGATE_SIGNING_ALGS): only then may a client be `legacyRs256`. */
    allowRs256?: boolean;
    audit?: AuditSink;
  }) {
    this.#allowRs256 = options.allowRs256 ?? false;
    this.#audit = options.audit;
    this.#store = options.store;
    this.#masterKey = options.masterKey;
    this.#allowLoopbackHttp = options.allowLoopbackHttp;
    this.#outboundAllowedHosts = options.outboundAllowedHosts ?? [];
  }

  async add(input: ClientInput, actor = 'operator'): Promise<CreatedClient> {
    const clientId = `og_${randomBytes(16).toString('base64url')}`;
    const client = validateClientInput(input, this.#allowLoopbackHttp, clientId, this.#outboundAllowedHosts);
    this.#checkRs256(client.legacyRs256);
    // A client that proves itself with its TLS certificate has no secret to lose.
    const secret = client.auth === 'client_secret_basic' ? randomBytes(32).toString('base64url') : undefined;
    const now = Date.now();
    await this.#store.transaction(async (tx) => {
      await tx.exec(
        `INSERT INTO clients (id, name, kind, metadata, secret_sealed, department, disabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7)`,
        [
          clientId,
          client.name,
          client.kind,
          JSON.stringify(client),
          secret === undefined ? null : seal(this.#masterKey, secret, aad(clientId)),
          client.department ?? null,
          now,
        ],
      );
      await tx.notify(CLIENTS_TOPIC, clientId);
    });
    await this.#record('client.create', clientId, actor);
    const info: ClientInfo = { ...client, clientId, disabled: false, createdAt: now, updatedAt: now };
    return secret === undefined ? { client: info } : { client: info, clientSecret: secret };
  }

  async list(): Promise<ClientInfo[]> {
    const rows = await this.#store.query<ClientRow>(
      'SELECT id, kind, metadata, secret_sealed, disabled, created_at, updated_at FROM clients ORDER BY created_at, id',
    );
    return rows.map(toInfo);
  }

  async get(clientId: string): Promise<ClientInfo> {
    return toInfo(await this.#row(clientId));
  }

  /**
   * Changes registration fields; what is not given stays as it was. The kind never
   * changes. A new certificate subject or certificate replaces the old one (rotation).
   * A service moves from a secret to a TLS method only when the method is named, and
   * its secret is deleted then; a TLS client never falls back to a secret by an update.
   */
  /** RSASSA-PKCS1-v1_5 is disallowed by ASVS 11.3.1 unless the operator turned it on for old apps. */
  #checkRs256(legacy: boolean): void {
    if (legacy && !this.#allowRs256) {
      throw new IdentityError(
        'ERR_CLIENT_INVALID',
        'legacyRs256 needs RS256 among the signing algorithms (ONEGATE_SIGNING_ALGS=ES256,RS256)',
      );
    }
  }

  async update(clientId: string, patch: Partial<ClientInput>, actor = 'operator'): Promise<ClientInfo> {
    const current = await this.get(clientId);
    const given = definedOnly(patch);
    const rebinding =
      (given.auth !== undefined && given.auth !== current.auth) ||
      CERTIFICATE_INPUT_FIELDS.some((field) => given[field] !== undefined);
    const base: ClientInput = {
      ...current,
      auth: current.auth === 'none' ? undefined : current.auth,
      ...(rebinding ? {} : bindingInput(current.certificate)),
    };
    const merged = validateClientInput(
      { ...base, ...given },
      this.#allowLoopbackHttp,
      clientId,
      this.#outboundAllowedHosts,
    );
    // Only a change to it is refused: an app registered before RS256 was turned off keeps loading.
    if (given.legacyRs256 === true && !current.legacyRs256) this.#checkRs256(true);
    if (merged.kind !== current.kind || merged.public !== current.public) {
      throw new IdentityError(
        'ERR_CLIENT_INVALID',
        'an app cannot become a service, or public, by an update',
      );
    }
    if (current.auth !== 'client_secret_basic' && merged.auth === 'client_secret_basic' && !current.public) {
      throw new IdentityError(
        'ERR_CLIENT_INVALID',
        'a client that authenticates with its certificate cannot go back to a secret; register a new client',
      );
    }
    const dropSecret = current.auth === 'client_secret_basic' && merged.auth !== 'client_secret_basic';
    await this.#save(
      clientId,
      `UPDATE clients SET name = $2, metadata = $3, department = $4, updated_at = $5${
        dropSecret ? ', secret_sealed = NULL' : ''
      } WHERE id = $1`,
      [merged.name, JSON.stringify(merged), merged.department ?? null, Date.now()],
    );
    await this.#record(
      'client.update',
      clientId,
      actor,
      merged.auth === current.auth ? undefined : { token_endpoint_auth_method: merged.auth },
    );
    return this.get(clientId);
  }

  async rotateSecret(clientId: string, actor = 'operator'): Promise<CreatedClient> {
    const current = await this.get(clientId);
    if (current.public) throw new IdentityError('ERR_CLIENT_INVALID', 'a public client has no secret');
    if (current.auth !== 'client_secret_basic') {
      throw new IdentityError(
        'ERR_CLIENT_INVALID',
        'this client authenticates with its TLS certificate and has no secret',
      );
    }
    const secret = randomBytes(32).toString('base64url');
    await this.#save(clientId, 'UPDATE clients SET secret_sealed = $2, updated_at = $3 WHERE id = $1', [
      seal(this.#masterKey, secret, aad(clientId)),
      Date.now(),
    ]);
    await this.#record('client.rotate_secret', clientId, actor);
    return { client: await this.get(clientId), clientSecret: secret };
  }

  async setDisabled(clientId: string, disabled: boolean, actor = 'operator'): Promise<ClientInfo> {
    await this.#save(clientId, 'UPDATE clients SET disabled = $2, updated_at = $3 WHERE id = $1', [
      disabled ? 1 : 0,
      Date.now(),
    ]);
    await this.#record(disabled ? 'client.disable' : 'client.enable', clientId, actor);
    return this.get(clientId);
  }

  /** oidc-provider client metadata, or undefined for an unknown or disabled client (→ invalid_client). */
  async providerMetadata(clientId: string): Promise<AdapterPayload | undefined> {
    const cached = this.#cache.get(clientId);
    // A copy: the caller must not be able to change what the next request sees.
    if (cached) return JSON.parse(cached.text) as AdapterPayload;
    const loaded = await this.#loadMetadata(clientId);
    // Only registered clients are cached, so unknown ids sent by anyone cannot fill memory.
    if (loaded) {
      if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
      this.#cache.set(clientId, { text: JSON.stringify(loaded) });
    }
    return loaded;
  }

  /**
   * The entry `providerMetadata` answers from now, or undefined when it must
   * load again. The same object for as long as the client is unchanged: once
   * it changes or is forgotten, never this one again.
   */
  loadedMetadata(clientId: string): object | undefined {
    return this.#cache.get(clientId);
  }

  /**
   * Forgets cached metadata: of one client, or of all (`undefined`). The server
   * calls this from the change feed when another process changed a client;
   * this registry's own changes forget theirs at once.
   */
  invalidate(clientId?: string): void {
    if (clientId === undefined) this.#cache.clear();
    else this.#cache.delete(clientId);
  }

  async #loadMetadata(clientId: string): Promise<AdapterPayload | undefined> {
    const row = await this.#store.maybeOne<ClientRow>(
      'SELECT id, kind, metadata, secret_sealed, disabled, created_at, updated_at FROM clients WHERE id = $1',
      [clientId],
    );
    if (!row || row.disabled === 1) return undefined;
    const client = storedClient(row.metadata);
    const secret = row.secret_sealed
      ? open(this.#masterKey, row.secret_sealed, aad(row.id)).toString('utf8')
      : undefined;
    return toProviderMetadata(row.id, client, secret);
  }

  async #record(
    action: string,
    clientId: string,
    actor: string,
    details?: Record<string, string>,
  ): Promise<void> {
    await this.#audit?.write({
      action,
      outcome: 'success',
      actor,
      clientId,
      ...(details ? { details } : {}),
    });
  }

  async #row(clientId: string): Promise<ClientRow> {
    const row = await this.#store.maybeOne<ClientRow>(
      'SELECT id, kind, metadata, secret_sealed, disabled, created_at, updated_at FROM clients WHERE id = $1',
      [clientId],
    );
    if (!row) throw new IdentityError('ERR_CLIENT_NOT_FOUND', 'no such client');
    return row;
  }

  async #save(clientId: string, sql: string, values: Array<string | number | null>): Promise<void> {
    await this.#store.transaction(async (tx) => {
      const changed = await tx.exec(sql, [clientId, ...values]);
      if (changed === 0) throw new IdentityError('ERR_CLIENT_NOT_FOUND', 'no such client');
      await tx.notify(CLIENTS_TOPIC, clientId);
    });
    this.invalidate(clientId);
  }
}

function aad(clientId: string): string {
  return `client-secret:${clientId}`;
}

function toInfo(row: ClientRow): ClientInfo {
  return {
    ...storedClient(row.metadata),
    clientId: row.id,
    kind: row.kind as ClientKind,
    disabled: row.disabled === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** OneGate's registration mapped onto OAuth/OIDC client metadata (RFC 7591 names). */
export function toProviderMetadata(
  clientId: string,
  client: ValidatedClient,
  secret: string | undefined,
): AdapterPayload {
  const common = {
    client_id: clientId,
    client_name: client.name,
    scope: client.scopes.join(' '),
    ...(secret === undefined ? {} : { client_secret: secret }),
    'urn:onegate:department': client.department ?? null,
    'urn:onegate:first_party': client.firstParty,
  };
  if (client.kind === 'service') {
    const binding = client.certificate;
    return {
      ...common,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: client.auth,
      // A service gets no ID token, but the metadata default (RS256) would make it invalid
      // where no RS256 key is configured (ONEGATE_SIGNING_ALGS=ES256).
      id_token_signed_response_alg: 'ES256',
      // RFC 8705 §3: tokens of a client that proved itself by certificate are bound to it.
      ...(binding === undefined
        ? {}
        : {
            tls_client_certificate_bound_access_tokens: true,
            ...('pem' in binding
              ? { jwks: certificateJwks(binding.pem) }
              : { [binding.match]: binding.value }),
          }),
    };
  }
  return {
    ...common,
    grant_types: client.scopes.includes('offline_access')
      ? ['authorization_code', 'refresh_token']
      : ['authorization_code'],
    response_types: ['code'],
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    token_endpoint_auth_method: client.public ? 'none' : 'client_secret_basic',
    subject_type: client.publicSubject ? 'public' : 'pairwise',
    id_token_signed_response_alg: client.legacyRs256 ? 'RS256' : 'ES256',
    ...(client.backchannelLogoutUri
      ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: true }
      : {}),
  };
}
