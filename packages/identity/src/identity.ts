import type { KeyObject } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Keyring } from '@onegate/privacy';
import type { MigrationSet, Store } from '@onegate/store';
import { IdentityError } from './errors.ts';
import { accountMigrations } from './accounts/account-migrations.ts';
import type { AccountService } from './accounts/account-service.ts';
import { SignInMethods } from './accounts/sign-in-methods.ts';
import type { Account } from './accounts/account.ts';
import { auditMigrations, type AuditSink } from './audit/audit-sink.ts';
import { clientMigrations } from './clients/client-migrations.ts';
import { accountClient } from './account/account-client.ts';
import { consoleClient } from './console/console-client.ts';
import {
  consoleSignIn,
  consoleSignInUrl,
  consoleSignOutUrl,
  type ConsoleSignIn,
} from './console/console-sign-in.ts';
import { accountRoutes, isAccountPath } from './account/account-routes.ts';
import { AccountSessions, sessionDeviceMigrations } from './account/account-sessions.ts';
import { ConnectedApps } from './account/connected-apps.ts';
import type { DataAccessReader } from './account/data-access-reader.ts';
import { CLIENTS_TOPIC, type ClientRegistry } from './clients/client-registry.ts';
import { CsrfGuard } from './interactions/csrf.ts';
import { interactionRoutes, isPagePath } from './interactions/interaction-routes.ts';
import { deriveKey } from './keys/master-key.ts';
import { identityKeysMigrations } from './keys/key-migrations.ts';
import { SIGNING_KEYS_TOPIC, type LoadedSigningKeys, type SigningKeys } from './keys/signing-keys.ts';
import type { SigningAlg } from './keys/signing-algorithms.ts';
import { LoginThrottle, throttleMigrations } from './passwords/login-throttle.ts';
import type { PasswordHashParams } from './passwords/password-hasher.ts';
import { LoginProgress, loginProgressMigrations } from './interactions/login-progress.ts';
import { recoveryCodeMigrations, type RecoveryCodes } from './second-factors/recovery-codes.ts';
import { totpMigrations, type TotpFactors } from './second-factors/totp-enrolment.ts';
import { passkeyMigrations, type Passkeys } from './second-factors/passkeys.ts';
import { identityServices, sealStoredData } from './services.ts';
import { platformKeySet, verifyPlatformToken, type PlatformCaller } from './platform-token.ts';
import { auditProviderEvents } from './provider/audit-events.ts';
import { auditProviderRefusals } from './provider/refusal-events.ts';
import { RefusalAudit } from './audit/refusal-audit.ts';
import { cacheClients } from './provider/client-cache.ts';
import { ClientAuthLimits, type ClientAuthLimitOptions } from './provider/client-auth-limits.ts';
import { throttleClientAuth } from './provider/client-auth-throttle.ts';
import { backchannelMigrations, BackchannelRetries } from './provider/backchannel-retries.ts';
import { createProvider, type ProviderSettings } from './provider/create-provider.ts';
import { oidcMigrations } from './provider/oidc-migrations.ts';
import { platformResource } from './provider/platform-resource.ts';
import { RememberedConsents } from './provider/remembered-consents.ts';
import { logoutSource, postLogoutSuccessSource, renderError } from './provider/provider-pages.ts';
import { sweepExpired, storeAdapter } from './provider/store-adapter.ts';

/** Every table identity owns, in the order they must exist. */
export const identityMigrations: readonly MigrationSet[] = [
  auditMigrations,
  accountMigrations,
  clientMigrations,
  identityKeysMigrations,
  oidcMigrations,
  throttleMigrations,
  backchannelMigrations,
  totpMigrations,
  recoveryCodeMigrations,
  loginProgressMigrations,
  passkeyMigrations,
  sessionDeviceMigrations,
];

export interface IdentitySettings extends ProviderSettings {
  passwordHash: PasswordHashParams;
  signingAlgs: readonly SigningAlg[];
}

export interface IdentityOptions {
  store: Store;
  audit: AuditSink;
  /** The privacy keyring, started: seals personal data, TOTP secrets and signing keys. */
  keyring: Keyring;
  /** Derives cookie, CSRF, pairwise and recovery-code keys; seals client secrets. */
  masterKey: KeyObject;
  settings: IdentitySettings;
  /** Create missing signing keys (development); production needs `onegate init` to have made them. */
  createKeys: boolean;
  /** Errors with no caller to reject (a failed audit write from an event, a failed reload). */
  onError: (err: unknown) => void;
  /** Reads the audit log for the citizen's "who looked at my data" page; without it there is no such page. */
  dataAccess?: DataAccessReader | undefined;
  /** Failed client authentications allowed per client and per address before both are refused for a while. */
  clientAuthLimits?: ClientAuthLimitOptions | undefined;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * The sign-in service: oidc-provider over the store, its pages, accounts,
 * clients and signing keys. The provider is rebuilt whenever the signing keys
 * change (in this process or another), so a rotation needs no restart.
 */
export class Identity {
  readonly accounts: AccountService;
  readonly clients: ClientRegistry;
  readonly keys: SigningKeys;
  readonly totp: TotpFactors;
  readonly recoveryCodes: RecoveryCodes;
  readonly passkeys: Passkeys;
  readonly settings: IdentitySettings;
  readonly #options: IdentityOptions;
  readonly #retries: BackchannelRetries;
  readonly #csrf: CsrfGuard;
  readonly #refusals: RefusalAudit;
  readonly #consents: RememberedConsents;
  readonly #clientAuthLimits: ClientAuthLimits;
  readonly #sessions: AccountSessions;
  readonly #signInMethods: SignInMethods;
  #provider!: Provider;
  #mounted!: Middleware;
  #published!: LoadedSigningKeys;
  #platformKeys!: ReturnType<typeof platformKeySet>;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  private constructor(options: IdentityOptions) {
    this.#options = options;
    this.settings = options.settings;
    const { store, audit, keyring, masterKey } = options;
    const services = identityServices({
      store,
      audit,
      keyring,
      masterKey,
      passwordHash: options.settings.passwordHash,
      development: options.settings.development,
      signingAlgs: options.settings.signingAlgs,
      outboundAllowedHosts: options.settings.outboundAllowedHosts,
      issuer: options.settings.issuer,
    });
    this.keys = services.keys;
    this.totp = services.totp;
    this.recoveryCodes = services.recoveryCodes;
    this.passkeys = services.passkeys;
    this.clients = services.clients;
    this.accounts = services.accounts;
    this.#retries = new BackchannelRetries({ store, audit, provider: () => this.#provider });
    this.#consents = new RememberedConsents(store);
    // Kept across provider rebuilds (key rotation), so a rotation does not lift a block.
    this.#clientAuthLimits = new ClientAuthLimits(options.clientAuthLimits);
    this.#sessions = new AccountSessions({ store, provider: () => this.#provider, retries: this.#retries });
    this.#signInMethods = new SignInMethods({ store, passkeys: this.passkeys });
    this.#refusals = new RefusalAudit(audit, options.onError);
    this.#csrf = new CsrfGuard(deriveKey(masterKey, 'csrf'), options.settings.issuer, (ctx, reason) =>
      this.#refusals.report({
        action: 'csrf.refused',
        outcome: 'denied',
        reason,
        address: ctx.ip,
        details: { method: ctx.method, path: ctx.path },
      }),
    );
  }

  /**
   * Seals what was stored before the keyring (see `sealStoredData`), creates
   * missing signing keys, builds the provider, and starts the background work.
   */
  static async start(options: IdentityOptions): Promise<Identity> {
    const identity = new Identity(options);
    await sealStoredData(identity, options.onError);
    if (options.createKeys) await identity.keys.ensure(options.settings.signingAlgs);
    await identity.#reload();
    const stopKeys = await options.store.subscribe(SIGNING_KEYS_TOPIC, () => {
      identity.#reload().catch(options.onError);
    });
    const stopClients = await options.store.subscribe(CLIENTS_TOPIC, (change) => {
      identity.clients.invalidate(change.resync ? undefined : change.key);
    });
    identity.#unsubscribe = () => {
      stopKeys();
      stopClients();
    };
    identity.#retries.start();
    identity.#timer = setInterval(() => {
      void identity.#sweep();
    }, SWEEP_INTERVAL_MS);
    identity.#timer.unref();
    return identity;
  }

  get provider(): Provider {
    return this.#provider;
  }

  /**
   * Keys that sign the session and interaction cookies. The provider runs on
   * the host app's request context, so the host Koa app must use these as its
   * `app.keys`.
   */
  get cookieKeys(): string[] {
    return [deriveKey(this.#options.masterKey, 'cookies').export().toString('base64url')];
  }

  /** Public signing keys as served at /jwks right now. */
  get jwks(): LoadedSigningKeys['publicJwks'] {
    return this.#published.publicJwks;
  }

  /** Sign-in pages first, then every OIDC endpoint of the provider in use. */
  middleware(): Middleware {
    const pages = interactionRoutes({
      provider: () => this.#provider,
      authenticator: this.accounts,
      csrf: this.#csrf,
      audit: this.#options.audit,
      consents: this.#consents,
      secondFactor: {
        totp: this.totp,
        recoveryCodes: this.recoveryCodes,
        progress: new LoginProgress(this.#options.store),
        throttle: new LoginThrottle(this.#options.store),
        accounts: this.accounts,
        passkeys: this.passkeys,
      },
    });
    const account = accountRoutes({
      provider: () => this.#provider,
      issuer: this.settings.issuer,
      accounts: this.accounts,
      totp: this.totp,
      recoveryCodes: this.recoveryCodes,
      passkeys: this.passkeys,
      signInMethods: this.#signInMethods,
      sessions: this.#sessions,
      apps: new ConnectedApps(this.#options.store),
      csrf: this.#csrf,
      audit: this.#options.audit,
      dataAccess: this.#options.dataAccess && {
        reader: this.#options.dataAccess,
        pairwiseKey: deriveKey(this.#options.masterKey, 'pairwise-subject'),
        clients: this.clients,
      },
    }).routes();
    const routes = pages.routes();
    // The routers only see their own paths: the token endpoint, which carries the load, skips them.
    return async (ctx, next) => {
      const provider = async () => {
        await this.#mounted(ctx, next);
        await this.#recordDevice(ctx);
      };
      const withAccount = async () => {
        if (isAccountPath(ctx.path)) await account(ctx as Parameters<typeof account>[0], provider);
        else await provider();
      };
      if (isPagePath(ctx.path)) await routes(ctx as Parameters<typeof routes>[0], withAccount);
      else await withAccount();
    };
  }

  /** The officer signed in to this browser's OneGate session (for `/console`), or nothing. */
  consoleSignIn(ctx: Context): Promise<ConsoleSignIn | undefined> {
    return consoleSignIn(this.#provider, ctx);
  }

  /** Where to send a browser to sign in (or step up to substantial) for the console, then back to `returnTo`. */
  consoleSignInUrl(returnTo: string): string {
    return consoleSignInUrl(this.settings.issuer, returnTo);
  }

  /** The console's logout link (RP-initiated logout of the console client). */
  consoleSignOutUrl(): string {
    return consoleSignOutUrl(this.settings.issuer);
  }

  /**
   * The sign-in pages' anti-forgery guard for the console's forms: a token
   * bound to the session (`console:<sessionUid>`) plus the same-origin checks.
   */
  get consoleCsrf(): {
    token(binding: string): string;
    verify(ctx: Context, binding: string, presented: unknown): boolean;
  } {
    return this.#csrf;
  }

  /** Verifies a bearer token for /api/v1 and that its client is still registered and enabled. */
  async verifyPlatformToken(token: string): Promise<PlatformCaller> {
    const caller = await verifyPlatformToken(token, {
      keys: this.#platformKeys,
      issuer: this.settings.issuer,
      audience: platformResource(this.settings.issuer),
    });
    // Disabled or deleted clients have no metadata: their unexpired tokens stop working too.
    if (!(await this.clients.providerMetadata(caller.clientId))) {
      throw new IdentityError('ERR_INVALID_TOKEN', 'the access token is not valid for this API');
    }
    return caller;
  }

  /** Delivers the back-channel logouts that are due now (the background timer does this every 2 s). */
  deliverDueLogouts(now = Date.now()): Promise<void> {
    return this.#retries.runDue(now);
  }

  async close(): Promise<void> {
    this.#unsubscribe?.();
    if (this.#timer) clearInterval(this.#timer);
    await this.#retries.stop();
  }

  async #reload(): Promise<void> {
    const loaded = await this.keys.load();
    const { store, audit, masterKey, settings, onError } = this.#options;
    const provider = createProvider({
      settings,
      adapter: storeAdapter(store, (id) => this.clients.providerMetadata(id)),
      signingKeys: loaded.keys,
      cookieKeys: this.cookieKeys,
      pairwiseKey: deriveKey(masterKey, 'pairwise-subject'),
      findAccount: async (ctx, id) => {
        const account = await this.accounts.find(id);
        if (!account || account.disabled) {
          forgetSignIn(ctx, id);
          return undefined;
        }
        return { accountId: account.id, claims: () => accountClaims(account) };
      },
      loadExistingGrant: this.#consents.loadExistingGrant(),
      staticClients: [accountClient(settings.issuer), consoleClient(settings.issuer)],
      renderError,
      logoutSource,
      postLogoutSuccessSource,
    });
    cacheClients(provider, this.clients);
    throttleClientAuth(provider, { limits: this.#clientAuthLimits, audit, onError });
    auditProviderEvents(provider, { audit, retries: this.#retries, onError });
    auditProviderRefusals(provider, this.#refusals);
    this.#provider = provider;
    this.#mounted = mount(provider);
    this.#published = loaded;
    this.#platformKeys = platformKeySet({ keys: loaded.publicJwks });
  }

  /** Remembers where a signed-in session is used, for the account page's device list. */
  async #recordDevice(ctx: Parameters<Middleware>[0]): Promise<void> {
    const session = (ctx as { oidc?: { session?: { uid?: string; accountId?: string } } }).oidc?.session;
    if (!session?.uid || !session.accountId) return;
    await this.#sessions
      .seen(session.uid, session.accountId, ctx.get('user-agent'), ctx.ip)
      .catch(this.#options.onError);
  }

  async #sweep(): Promise<void> {
    try {
      await sweepExpired(this.#options.store);
      await this.keys.retireExpired();
    } catch (err) {
      this.#options.onError(err);
    }
  }
}

/** Standard claims plus the government ones; oidc-provider releases each only under its scope. */
function accountClaims(account: Account): { sub: string; [claim: string]: unknown } {
  return {
    sub: account.id,
    name: account.name,
    preferred_username: account.username,
    email: account.email,
    email_verified: account.email === undefined ? undefined : false,
    phone_number: account.phone,
    phone_number_verified: account.phone === undefined ? undefined : false,
    identity_assurance: account.identityAssurance,
    departments: account.departments,
  };
}

/**
 * A browser session still signed in to an account that is gone or disabled
 * (disabled meanwhile by another process): the sign-in is dropped from the
 * session, so the browser is asked to sign in again rather than carried on
 * with no account, which oidc-provider answers with a 500.
 */
function forgetSignIn(ctx: KoaContextWithOIDC, accountId: string): void {
  const session = ctx.oidc?.session as unknown as Record<string, unknown> | undefined;
  if (session?.['accountId'] !== accountId) return;
  // oidc-provider's session refuses an empty accountId but not its removal; `touched` saves the change.
  for (const field of ['accountId', 'loginTs', 'acr', 'amr', 'authorizations']) delete session[field];
  session['touched'] = true;
}
