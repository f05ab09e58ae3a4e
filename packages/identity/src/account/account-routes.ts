import { createHash, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountService, PasswordChangeError, PasswordSetError } from '../accounts/account-service.ts';
import type { SignInMethods } from '../accounts/sign-in-methods.ts';
import type { AuditSink } from '../audit/audit-sink.ts';
import { IdentityError, type IdentityErrorCode } from '../errors.ts';
import type { CsrfGuard } from '../interactions/csrf.ts';
import { pageLanguage, pageSecurityHeaders } from '../interactions/page-context.ts';
import { accountPage, type AccountNotice, type AccountPageModel } from '../pages/index.ts';
import type { Passkeys } from '../second-factors/passkeys.ts';
import type { RecoveryCodes } from '../second-factors/recovery-codes.ts';
import type { TotpFactors } from '../second-factors/totp-enrolment.ts';
import { CONSOLE_CLIENT_ID } from '../console/console-client.ts';
import { ACCOUNT_CLIENT_ID } from './account-client.ts';
import type { AccountSessions } from './account-sessions.ts';
import type { ConnectedApps } from './connected-apps.ts';
import { dataAccessRoutes, type DataAccessDeps } from './data-access-routes.ts';
import { maskEmail, maskIdNumber, maskPhone } from './mask.ts';
import { formBody, jsonBody } from '../body-parsers.ts';
import { ACR, acrLevel } from '../provider/acr.ts';

export interface AccountDeps {
  provider: () => Provider;
  issuer: string;
  accounts: AccountService;
  totp: TotpFactors;
  recoveryCodes: RecoveryCodes;
  passkeys: Passkeys;
  signInMethods: SignInMethods;
  sessions: AccountSessions;
  apps: ConnectedApps;
  csrf: CsrfGuard;
  audit: AuditSink;
  /** "Who looked at my data", when the host gives an audit log reader. */
  dataAccess?: Omit<DataAccessDeps, 'accounts' | 'csrf' | 'audit'> | undefined;
}

/** OneGate's own pages are not "apps you use": the account page and the officers' console. */
const OWN_CLIENTS: ReadonlySet<string> = new Set([ACCOUNT_CLIENT_ID, CONSOLE_CLIENT_ID]);

/** Changing how one signs in needs a sign-in this recent (ASVS 6.x re-authentication). */
const FRESH_SIGN_IN_SECONDS = 5 * 60;

type Session = Awaited<ReturnType<Provider['Session']['get']>>;

/** How a refused change is audited: `denied` when a limit stopped it, else `failure`. */
interface Refusal {
  outcome: 'failure' | 'denied';
  reason: string;
}

/** `?saved=method` follows a change of how one signs in: the page then offers to end the other sessions. */
const SAVED_NOTICES: ReadonlyMap<unknown, AccountNotice> = new Map([
  ['1', 'saved'],
  ['method', 'method_changed'],
]);

/** Every path `accountRoutes` answers (a test holds the two together): requests elsewhere skip its router. */
export function isAccountPath(path: string): boolean {
  return path === '/account' || path.startsWith('/account/');
}

/** `/account`: the signed-in citizen's profile and second factors. */
export function accountRoutes(deps: AccountDeps): Router {
  const router = new Router({ prefix: '/account' });
  const form = formBody('4kb');
  // WebAuthn answers are JSON; 64 KiB is far above any real attestation.
  const json = jsonBody('64kb');

  router.get('/', async (ctx) => {
    const session = await signedIn(ctx);
    if (!session) return;
    await render(ctx, session, { notice: SAVED_NOTICES.get(ctx.query['saved']) });
  });

  // After signing in through /auth; the session cookie is what counts, the code is left to expire.
  router.get('/callback', (ctx) => {
    // Back to the page the citizen asked for: one of a fixed list, named in `state` (never a URL).
    const state = typeof ctx.query['state'] === 'string' ? ctx.query['state'] : '';
    redirect(ctx, RETURN_PAGES.get(state.slice(state.indexOf('.') + 1)) ?? '/account');
  });

  router.post('/totp/begin', form, async (ctx) => {
    const session = await freshSession(ctx);
    if (!session) return;
    const account = await deps.accounts.get(session.accountId!);
    const enrolment = await deps.totp.begin(account.id, {
      account: account.username,
      issuer: `OneGate ${new URL(deps.issuer).hostname}`,
    });
    await render(ctx, session, {
      enrolment: { qrSvg: enrolment.qrSvg, secretBase32: enrolment.secretBase32 },
    });
  });

  router.post('/totp/activate', form, async (ctx) => {
    const session = await freshSession(ctx);
    if (!session) return;
    const raw = (ctx.request.body as Record<string, unknown>)['code'];
    const code = typeof raw === 'string' ? raw.trim() : '';
    const result = await deps.totp.activate(session.accountId!, code).catch(() => ({ ok: false as const }));
    if (!result.ok) {
      ctx.status = 400;
      await render(ctx, session, { notice: 'invalid_code' });
      return;
    }
    await changed(ctx, session, 'account.totp_enable', true);
  });

  router.post('/totp/remove', form, async (ctx) => {
    const session = await freshSession(ctx);
    if (!session) return;
    await deps.totp.remove(session.accountId!);
    await changed(ctx, session, 'account.totp_disable', true);
  });

  router.post('/recovery-codes', form, async (ctx) => {
    const session = await freshSession(ctx);
    if (!session) return;
    const codes = await deps.recoveryCodes.regenerate(session.accountId!);
    await audit(ctx, session, 'account.recovery_codes_regenerate');
    await render(ctx, session, { newRecoveryCodes: codes, notice: 'method_changed' });
  });

  router.post('/passkeys/options', json, async (ctx) => {
    const session = await freshJsonSession(ctx);
    if (!session) return;
    const account = await deps.accounts.get(session.accountId!);
    ctx.body = await deps.passkeys.registrationOptions(
      { id: account.id, username: account.username, name: account.name },
      `register:${session.uid}`,
    );
  });

  router.post('/passkeys', json, async (ctx) => {
    const session = await freshJsonSession(ctx);
    if (!session) return;
    const body = (ctx.request.body ?? {}) as { response?: unknown; name?: unknown };
    try {
      await deps.passkeys.register(
        session.accountId!,
        `register:${session.uid}`,
        body.response as Parameters<Passkeys['register']>[2],
        typeof body.name === 'string' && body.name.trim() ? body.name : 'Passkey',
      );
    } catch (err) {
      await deps.audit.write({
        action: 'account.passkey_add',
        outcome: 'failure',
        actor: session.accountId,
        subject: session.accountId,
        address: ctx.ip,
        reason: 'verification_failed',
      });
      throw err;
    }
    await audit(ctx, session, 'account.passkey_add');
    ctx.body = { ok: true, redirect: '/account?saved=method' };
  });

  router.post('/passkeys/rename', form, async (ctx) => {
    const session = await freshSession(ctx);
    if (!session) return;
    const body = ctx.request.body as Record<string, unknown>;
    try {
      await deps.passkeys.rename(session.accountId!, text(body['credential_id']), text(body['name']));
    } catch (err) {
      if (codeOf(err) === 'ERR_PASSKEY_INVALID') return refused(ctx, session, 400, 'passkey_name_invalid');
      if (codeOf(err) === 'ERR_PASSKEY_NOT_FOUND') return refused(ctx, session, 404, 'passkey_not_found');
      throw err;
    }
    await changed(ctx, session, 'account.passkey_rename');
  });

  router.post('/passkeys/remove', form, async (ctx) => {
    const session = await freshSession(ctx);
    if (!session) return;
    const body = ctx.request.body as Record<string, unknown>;
    try {
      await deps.signInMethods.removePasskey(session.accountId!, text(body['credential_id']));
    } catch (err) {
      const action = 'account.passkey_remove';
      if (codeOf(err) === 'ERR_LAST_SIGN_IN_METHOD')
        return refused(ctx, session, 409, 'last_method_passkey', action, 'last_method');
      if (codeOf(err) === 'ERR_PASSKEY_NOT_FOUND')
        return refused(ctx, session, 404, 'passkey_not_found', action, 'not_found');
      throw err;
    }
    await changed(ctx, session, 'account.passkey_remove', true);
  });

  // Knowing the current password is itself a re-authentication (ASVS 6.2.3), so this form, unlike
  // the other sign-in method changes, does not also need a sign-in from the last 5 minutes.
  router.post('/password', form, async (ctx) => {
    const session = await signedIn(ctx);
    if (!session || !checkToken(ctx, session)) return;
    const body = ctx.request.body as Record<string, unknown>;
    const result = await deps.accounts.changePassword(session.accountId!, {
      current: text(body['current_password']),
      next: text(body['new_password']),
      address: ctx.ip,
    });
    if (result.ok) return changed(ctx, session, 'account.password_change', true);
    await passwordRefused(ctx, session, 'account.password_change', result.error);
  });

  router.post('/password/set', form, async (ctx) => {
    const session = await freshSession(ctx);
    if (!session) return;
    const password = text((ctx.request.body as Record<string, unknown>)['new_password']);
    const result = await deps.accounts.setPassword(session.accountId!, password);
    if (result.ok) return changed(ctx, session, 'account.password_set', true);
    await passwordRefused(ctx, session, 'account.password_set', result.error);
  });

  router.post('/password/remove', form, async (ctx) => {
    const session = await freshSession(ctx);
    if (!session) return;
    try {
      // Nothing to remove (a second click) is not a change: the page, as it is.
      if (!(await deps.signInMethods.removePassword(session.accountId!))) return redirect(ctx, '/account');
    } catch (err) {
      if (codeOf(err) !== 'ERR_LAST_SIGN_IN_METHOD') throw err;
      return refused(ctx, session, 409, 'last_method_password', 'account.password_remove', 'last_method');
    }
    await changed(ctx, session, 'account.password_remove', true);
  });

  // Signing out a device or removing an app's access needs no fresh sign-in: it only takes access away.
  router.post('/sessions/sign-out', form, async (ctx) => {
    const session = await signedIn(ctx);
    if (!session || !checkToken(ctx, session)) return;
    const uid = text((ctx.request.body as Record<string, unknown>)['session']);
    const told = await deps.sessions.signOut(session.accountId!, uid);
    await deps.audit.write({
      action: 'account.session_sign_out',
      outcome: 'success',
      actor: session.accountId,
      subject: session.accountId,
      address: ctx.ip,
      details: { apps: told, thisDevice: uid === session.uid },
    });
    redirect(ctx, uid === session.uid ? '/account' : '/account?saved=1');
  });

  router.post('/sessions/sign-out-others', form, async (ctx) => {
    const session = await signedIn(ctx);
    if (!session || !checkToken(ctx, session)) return;
    const { sessions, apps } = await deps.sessions.signOutOthers(session.accountId!, session.uid);
    await deps.audit.write({
      action: 'account.sign_out_others',
      outcome: 'success',
      actor: session.accountId,
      subject: session.accountId,
      address: ctx.ip,
      details: { sessions, apps },
    });
    redirect(ctx, '/account?saved=1');
  });

  router.post('/sessions/sign-out-everywhere', form, async (ctx) => {
    const session = await signedIn(ctx);
    if (!session || !checkToken(ctx, session)) return;
    const told = await deps.sessions.signOutEverywhere(session.accountId!);
    await deps.audit.write({
      action: 'account.sign_out_everywhere',
      outcome: 'success',
      actor: session.accountId,
      subject: session.accountId,
      address: ctx.ip,
      details: { apps: told },
    });
    redirect(ctx, '/session/end/success');
  });

  router.post('/apps/revoke', form, async (ctx) => {
    const session = await signedIn(ctx);
    if (!session || !checkToken(ctx, session)) return;
    const clientId = text((ctx.request.body as Record<string, unknown>)['client_id']);
    if (await deps.apps.revoke(session.accountId!, clientId)) {
      await deps.audit.write({
        action: 'account.app_revoke',
        outcome: 'success',
        actor: session.accountId,
        subject: session.accountId,
        clientId,
        address: ctx.ip,
      });
    }
    redirect(ctx, '/account?saved=1');
  });

  if (deps.dataAccess) {
    dataAccessRoutes(
      router,
      { ...deps.dataAccess, accounts: deps.accounts, csrf: deps.csrf, audit: deps.audit },
      { signedIn: (ctx) => signedIn(ctx), checkToken, form },
    );
  }

  function checkToken(ctx: Context, session: Session): boolean {
    const presented = (ctx.request.body as Record<string, unknown> | undefined)?.['csrf'];
    if (deps.csrf.verify(ctx, `account:${session.uid}`, presented)) return true;
    ctx.status = 403;
    ctx.body = { error: 'invalid_request', error_description: 'the page expired; reload it' };
    return false;
  }

  /**
   * A fresh sign-in for a change to the account must be as strong as the
   * account can sign in: with a passkey or an authenticator app, a password
   * alone (a stolen one) does not get to add a passkey or remove a factor
   * (ASVS 7.5.1, 6.3.3).
   */
  async function strongEnough(session: Session): Promise<boolean> {
    if (acrLevel(session.acr) >= acrLevel(ACR.substantial)) return true;
    return !(await hasSecondFactor(session.accountId!));
  }

  async function hasSecondFactor(accountId: string): Promise<boolean> {
    return (await deps.totp.isActive(accountId)) || (await deps.passkeys.list(accountId)).length > 0;
  }

  /** For the page's script: JSON errors instead of redirects, the token in a header. */
  async function freshJsonSession(ctx: Context): Promise<Session | undefined> {
    const session = await deps.provider().Session.get(ctx);
    if (
      !session.accountId ||
      !signedInRecently(session) ||
      !(await strongEnough(session)) ||
      !deps.csrf.verify(ctx, `account:${session.uid}`, ctx.get('x-csrf-token'))
    ) {
      ctx.status = 403;
      ctx.body = {
        error: 'fresh_sign_in_required',
        error_description: 'sign in again, then add the passkey',
      };
      return undefined;
    }
    return session;
  }

  /** The OneGate session of this browser, or a redirect to sign in first. */
  async function signedIn(ctx: Context, fresh = false): Promise<Session | undefined> {
    const session = await deps.provider().Session.get(ctx);
    if (session.accountId && !fresh) return session;
    if (session.accountId && signedInRecently(session) && (await strongEnough(session))) return session;
    const substantial = session.accountId !== undefined && (await hasSecondFactor(session.accountId));
    redirect(ctx, signInUrl(deps.issuer, fresh, returnPageOf(ctx.path), substantial));
    return undefined;
  }

  /** A signed-in session whose sign-in is recent, and a form that came from our page. */
  async function freshSession(ctx: Context): Promise<Session | undefined> {
    const session = await signedIn(ctx, true);
    if (!session) return undefined;
    const presented = (ctx.request.body as Record<string, unknown> | undefined)?.['csrf'];
    if (!deps.csrf.verify(ctx, `account:${session.uid}`, presented)) {
      ctx.status = 403;
      await render(ctx, session, { notice: 'fresh_sign_in' });
      return undefined;
    }
    return session;
  }

  /** Audits a change and shows the page again; `method`: how one signs in changed (ASVS 7.4.3 offer). */
  async function changed(ctx: Context, session: Session, action: string, method = false): Promise<void> {
    await audit(ctx, session, action);
    redirect(ctx, method ? '/account?saved=method' : '/account?saved=1');
  }

  /** Nothing changed: the page again with the reason, and the refusal audited when `action` is given. */
  async function refused(
    ctx: Context,
    session: Session,
    status: number,
    notice: AccountNotice,
    action?: string,
    reason: string = notice,
  ): Promise<void> {
    if (action) await audit(ctx, session, action, { outcome: 'failure', reason });
    ctx.status = status;
    await render(ctx, session, { notice });
  }

  /** The password form again, saying why; wrong or throttled current passwords and policy failures. */
  async function passwordRefused(
    ctx: Context,
    session: Session,
    action: string,
    error: PasswordChangeError | PasswordSetError,
  ): Promise<void> {
    switch (error.code) {
      case 'has_password':
        return refused(ctx, session, 409, 'password_exists', action, 'has_password');
      case 'throttled':
        await audit(ctx, session, action, { outcome: 'denied', reason: error.reason });
        ctx.status = 429;
        ctx.set('Retry-After', String(error.retryAfterSeconds));
        break;
      case 'wrong_password':
        await audit(ctx, session, action, { outcome: 'failure', reason: 'wrong_password' });
        ctx.status = 403;
        break;
      case 'policy':
        await audit(ctx, session, action, { outcome: 'failure', reason: 'password_policy' });
        ctx.status = 400;
        break;
    }
    await render(ctx, session, { passwordError: error });
  }

  async function audit(ctx: Context, session: Session, action: string, refusal?: Refusal): Promise<void> {
    await deps.audit.write({
      action,
      outcome: refusal?.outcome ?? 'success',
      reason: refusal?.reason,
      actor: session.accountId,
      subject: session.accountId,
      address: ctx.ip,
      clientId: ACCOUNT_CLIENT_ID,
    });
  }

  async function render(
    ctx: Context,
    session: Session,
    extra: Partial<Pick<AccountPageModel, 'notice' | 'enrolment' | 'newRecoveryCodes' | 'passwordError'>>,
  ): Promise<void> {
    const account = await deps.accounts.get(session.accountId!);
    pageSecurityHeaders(ctx);
    ctx.body = accountPage({
      lang: pageLanguage(ctx),
      currentUrl: ctx.originalUrl,
      profile: {
        username: account.username,
        name: account.name,
        phone: account.phone === undefined ? undefined : maskPhone(account.phone),
        email: account.email === undefined ? undefined : maskEmail(account.email),
        idNumber: account.idNumber === undefined ? undefined : maskIdNumber(account.idNumber),
      },
      hasPassword: await deps.accounts.hasPassword(account.id),
      totp: { active: await deps.totp.isActive(account.id) },
      recoveryCodesLeft: await deps.recoveryCodes.remaining(account.id),
      csrfToken: deps.csrf.token(`account:${session.uid}`),
      passkeys: await deps.passkeys.list(account.id),
      sessions: await sessionsView(session, account.id),
      apps: await appsView(account.id),
      passkeyUrls: { optionsUrl: '/account/passkeys/options', verifyUrl: '/account/passkeys' },
      signOutUrl: '/account/sessions/sign-out-everywhere',
      dataAccessUrl: deps.dataAccess ? '/account/data-access' : undefined,
      ...extra,
    });
  }

  async function sessionsView(current: Session, accountId: string): Promise<AccountPageModel['sessions']> {
    const sessions = await deps.sessions.list(accountId);
    const names = await clientNames(sessions.flatMap((s) => s.clientIds));
    return sessions.map((s) => ({
      uid: s.uid,
      current: s.uid === current.uid,
      device: describeDevice(s.userAgent),
      address: s.address ?? '-',
      lastSeenAt: s.lastSeenAt,
      apps: s.clientIds.filter((id) => !OWN_CLIENTS.has(id)).map((id) => names.get(id) ?? id),
    }));
  }

  async function appsView(accountId: string): Promise<AccountPageModel['apps']> {
    const apps = (await deps.apps.list(accountId)).filter((app) => !OWN_CLIENTS.has(app.clientId));
    const names = await clientNames(apps.map((a) => a.clientId));
    return apps.map((app) => ({
      clientId: app.clientId,
      name: names.get(app.clientId) ?? app.clientId,
      scopes: app.scopes,
    }));
  }

  async function clientNames(ids: string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const id of new Set(ids)) {
      const client = await deps.provider().Client.find(id);
      if (client?.clientName) names.set(id, client.clientName);
    }
    return names;
  }

  return router;
}

/** A short, readable device name from the User-Agent (browser on system), or the raw text. */
function describeDevice(userAgent: string | undefined): string {
  if (!userAgent) return '-';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Chrome\//.test(userAgent)
      ? 'Chrome'
      : /Firefox\//.test(userAgent)
        ? 'Firefox'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : undefined;
  const system = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : undefined;
  return browser && system ? `${browser} · ${system}` : userAgent.slice(0, 60);
}

/** An authorization request of the built-in account client; `fresh` forces a new sign-in. */
/** Pages of /account a sign-in can return to, by the name `state` carries. */
const RETURN_PAGES: ReadonlyMap<string, string> = new Map([['data-access', '/account/data-access']]);

function returnPageOf(path: string): string | undefined {
  return path === '/account/data-access' ? 'data-access' : undefined;
}

function signInUrl(issuer: string, fresh: boolean, returnPage?: string, substantial = false): string {
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  const params = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: `${issuer}/account/callback`,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: `${randomBytes(16).toString('base64url')}${returnPage === undefined ? '' : `.${returnPage}`}`,
    ...(fresh ? { prompt: 'login' } : {}),
    ...(substantial ? { acr_values: ACR.substantial } : {}),
  });
  return `/auth?${params.toString()}`;
}

function redirect(ctx: Context, url: string): void {
  ctx.status = 303;
  ctx.redirect(url);
}

function codeOf(err: unknown): IdentityErrorCode | undefined {
  return err instanceof IdentityError ? err.code : undefined;
}

/** A form field as text; anything else (absent, repeated) is empty. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function signedInRecently(session: Session): boolean {
  return session.loginTs !== undefined && Date.now() / 1000 - session.loginTs <= FRESH_SIGN_IN_SECONDS;
}
