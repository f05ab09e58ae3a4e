import { createHash, randomBytes } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountService } from '../accounts/account-service.ts';
import type { AuditSink } from '../audit/audit-sink.ts';
import type { CsrfGuard } from '../interactions/csrf.ts';
import { pageLanguage, pageSecurityHeaders } from '../interactions/page-context.ts';
import { accountPage, type AccountPageModel } from '../pages/index.ts';
import type { Passkeys } from '../second-factors/passkeys.ts';
import type { RecoveryCodes } from '../second-factors/recovery-codes.ts';
import type { TotpFactors } from '../second-factors/totp-enrolment.ts';
import { ACCOUNT_CLIENT_ID } from './account-client.ts';
import type { AccountSessions } from './account-sessions.ts';
import type { ConnectedApps } from './connected-apps.ts';
import { maskEmail, maskPhone } from './mask.ts';

export interface AccountDeps {
  provider: () => Provider;
  issuer: string;
  accounts: AccountService;
  totp: TotpFactors;
  recoveryCodes: RecoveryCodes;
  passkeys: Passkeys;
  sessions: AccountSessions;
  apps: ConnectedApps;
  csrf: CsrfGuard;
  audit: AuditSink;
}

/** Changing how one signs in needs a sign-in this recent (ASVS 6.x re-authentication). */
const FRESH_SIGN_IN_SECONDS = 5 * 60;

type Session = Awaited<ReturnType<Provider['Session']['get']>>;

/** `/account`: the signed-in citizen's profile and second factors. */
export function accountRoutes(deps: AccountDeps): Router {
  const router = new Router({ prefix: '/account' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '4kb' });
  // WebAuthn answers are JSON; 64 KiB is far above any real attestation.
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '64kb' });

  router.get('/', async (ctx) => {
    const session = await signedIn(ctx);
    if (!session) return;
    const notice = ctx.query['saved'] === '1' ? 'saved' : undefined;
    await render(ctx, session, { notice });
  });

  // After signing in through /auth; the session cookie is what counts, the code is left to expire.
  router.get('/callback', (ctx) => {
    ctx.status = 303;
    ctx.redirect('/account');
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
    await changed(ctx, session, 'account.totp_enable');
  });

  router.post('/totp/remove', form, async (ctx) => {
    const session = await freshSession(ctx);
    if (!session) return;
    await deps.totp.remove(session.accountId!);
    await changed(ctx, session, 'account.totp_disable');
  });

  router.post('/recovery-codes', form, async (ctx) => {
    const session = await freshSession(ctx);
    if (!session) return;
    const codes = await deps.recoveryCodes.regenerate(session.accountId!);
    await audit(ctx, session, 'account.recovery_codes_regenerate');
    await render(ctx, session, { newRecoveryCodes: codes });
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
    ctx.body = { ok: true };
  });

  router.post('/passkeys/rename', form, async (ctx) => {
    const session = await freshSession(ctx);
    if (!session) return;
    const body = ctx.request.body as Record<string, unknown>;
    await deps.passkeys.rename(session.accountId!, text(body['credential_id']), text(body['name']));
    await changed(ctx, session, 'account.passkey_rename');
  });

  router.post('/passkeys/remove', form, async (ctx) => {
    const session = await freshSession(ctx);
    if (!session) return;
    const body = ctx.request.body as Record<string, unknown>;
    // Every account has a password today, so removing a passkey never removes the last way in.
    await deps.passkeys.remove(session.accountId!, text(body['credential_id']));
    await changed(ctx, session, 'account.passkey_remove');
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
    ctx.status = 303;
    ctx.redirect(uid === session.uid ? '/account' : '/account?saved=1');
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
    ctx.status = 303;
    ctx.redirect('/session/end/success');
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
    ctx.status = 303;
    ctx.redirect('/account?saved=1');
  });

  function checkToken(ctx: Context, session: Session): boolean {
    const presented = (ctx.request.body as Record<string, unknown> | undefined)?.['csrf'];
    if (deps.csrf.verify(ctx, `account:${session.uid}`, presented)) return true;
    ctx.status = 403;
    ctx.body = { error: 'invalid_request', error_description: 'the page expired; reload it' };
    return false;
  }

  /** For the page's script: JSON errors instead of redirects, the token in a header. */
  async function freshJsonSession(ctx: Context): Promise<Session | undefined> {
    const session = await deps.provider().Session.get(ctx);
    if (
      !session.accountId ||
      !signedInRecently(session) ||
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
    if (session.accountId && (!fresh || signedInRecently(session))) return session;
    ctx.status = 303;
    ctx.redirect(signInUrl(deps.issuer, fresh));
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

  async function changed(ctx: Context, session: Session, action: string): Promise<void> {
    await audit(ctx, session, action);
    ctx.status = 303;
    ctx.redirect('/account?saved=1');
  }

  async function audit(ctx: Context, session: Session, action: string): Promise<void> {
    await deps.audit.write({
      action,
      outcome: 'success',
      actor: session.accountId,
      subject: session.accountId,
      address: ctx.ip,
      clientId: ACCOUNT_CLIENT_ID,
    });
  }

  async function render(
    ctx: Context,
    session: Session,
    extra: Partial<Pick<AccountPageModel, 'notice' | 'enrolment' | 'newRecoveryCodes'>>,
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
      },
      totp: { active: await deps.totp.isActive(account.id) },
      recoveryCodesLeft: await deps.recoveryCodes.remaining(account.id),
      csrfToken: deps.csrf.token(`account:${session.uid}`),
      passkeys: await deps.passkeys.list(account.id),
      sessions: await sessionsView(session, account.id),
      apps: await appsView(account.id),
      passkeyUrls: { optionsUrl: '/account/passkeys/options', verifyUrl: '/account/passkeys' },
      signOutUrl: '/account/sessions/sign-out-everywhere',
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
      apps: s.clientIds.filter((id) => id !== ACCOUNT_CLIENT_ID).map((id) => names.get(id) ?? id),
    }));
  }

  async function appsView(accountId: string): Promise<AccountPageModel['apps']> {
    const apps = (await deps.apps.list(accountId)).filter((app) => app.clientId !== ACCOUNT_CLIENT_ID);
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
function signInUrl(issuer: string, fresh: boolean): string {
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  const params = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: `${issuer}/account/callback`,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomBytes(16).toString('base64url'),
    ...(fresh ? { prompt: 'login' } : {}),
  });
  return `/auth?${params.toString()}`;
}

/** A form field as text; anything else (absent, repeated) is empty. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function signedInRecently(session: Session): boolean {
  return session.loginTs !== undefined && Date.now() / 1000 - session.loginTs <= FRESH_SIGN_IN_SECONDS;
}
