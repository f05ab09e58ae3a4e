import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AuditSink } from '../audit/audit-sink.ts';
import {
  consentPage,
  loginPage,
  secondFactorPage,
  STYLESHEET,
  STYLESHEET_PATH,
  type LoginError,
} from '../pages/index.ts';
import { ACR, acrLevel } from '../provider/acr.ts';
import type { Authenticator } from './authenticator.ts';
import type { RememberedConsents } from '../provider/remembered-consents.ts';
import type { AccountService } from '../accounts/account-service.ts';
import type { Account } from '../accounts/account.ts';
import type { LoginThrottle } from '../passwords/login-throttle.ts';
import type { Passkeys } from '../second-factors/passkeys.ts';
import type { RecoveryCodes } from '../second-factors/recovery-codes.ts';
import type { TotpFactors } from '../second-factors/totp-enrolment.ts';
import { addScriptRoutes } from './assets.ts';
import { addNewPasswordRoutes, renderNewPassword } from './new-password-routes.ts';
import { addPasskeyRoutes } from './passkey-routes.ts';
import { assuranceOf, type SignInMethod } from './assurance.ts';
import type { CsrfGuard } from './csrf.ts';
import {
  finish,
  grantAll,
  interaction,
  consentScopes,
  renderError,
  requiredLevel,
  type Details,
} from './interaction-steps.ts';
import type { LoginProgress } from './login-progress.ts';
import { originOf, pageLanguage, pageSecurityHeaders } from './page-context.ts';
import { formBody } from '../body-parsers.ts';

export interface InteractionDeps {
  /** The provider in use now: it is rebuilt when signing keys change. */
  provider: () => Provider;
  authenticator: Authenticator;
  csrf: CsrfGuard;
  audit: AuditSink;
  consents: RememberedConsents;
  secondFactor: {
    totp: TotpFactors;
    recoveryCodes: RecoveryCodes;
    progress: LoginProgress;
    throttle: LoginThrottle;
    accounts: AccountService;
    passkeys: Passkeys;
  };
}

const STATUS: Record<LoginError['code'], number> = {
  invalid_credentials: 401,
  throttled: 429,
  account_locked: 423,
  temporary_password_expired: 401,
  csrf: 403,
  step_up_required: 401,
  generic: 400,
};

/** Every path `interactionRoutes` answers (a test holds the two together): requests elsewhere skip its router. */
export function isPagePath(path: string): boolean {
  return path.startsWith('/interaction/') || path.startsWith('/assets/') || path === '/favicon.ico';
}

/** The sign-in and consent pages oidc-provider sends the browser to, and the stylesheet they use. */
export function interactionRoutes(deps: InteractionDeps): Router {
  const { csrf } = deps;
  const router = new Router();
  const form = formBody('16kb');

  addScriptRoutes(router);

  router.get(STYLESHEET_PATH, (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('cache-control', 'public, max-age=31536000, immutable');
    ctx.body = STYLESHEET;
  });

  // Browsers ask for it on every page; an empty answer keeps a 404 out of their consoles and our logs.
  router.get('/favicon.ico', (ctx) => {
    ctx.status = 204;
    ctx.set('cache-control', 'public, max-age=86400');
  });

  router.get('/interaction/:uid', async (ctx) => {
    const details = await interaction(ctx, deps.provider());
    if (!details) return;
    if (details.prompt.name === 'login') {
      const stepUp = details.prompt.reasons.includes('acr_step_up');
      renderLogin(ctx, details, stepUp ? { code: 'step_up_required' } : undefined);
      // First display: the step-up notice explains the page, it is not a failed attempt.
      ctx.status = 200;
      return;
    }
    if (details.prompt.name === 'consent') {
      const client = await deps.provider().Client.find(String(details.params['client_id']));
      if (client?.['urn:onegate:first_party'] === true) {
        const grantId = await grantAll(deps.provider(), details);
        await deps.consents.remember(
          String(details.session?.accountId),
          String(details.params['client_id']),
          grantId,
        );
        await finish(ctx, deps.provider(), { consent: { grantId } });
        return;
      }
      pageSecurityHeaders(ctx, originOf(details.params['redirect_uri']));
      ctx.body = consentPage({
        lang: pageLanguage(ctx),
        currentUrl: ctx.originalUrl,
        clientName: client?.clientName ?? String(details.params['client_id']),
        scopes: await consentScopes(deps.provider(), details),
        department: (client?.['urn:onegate:department'] as string | null | undefined) ?? undefined,
        action: `/interaction/${details.uid}/confirm`,
        csrfToken: csrf.token(details.uid),
      });
      return;
    }
    ctx.status = 400;
    renderError(ctx, 'invalid_request', 'unsupported interaction');
  });

  router.post('/interaction/:uid/login', form, async (ctx) => {
    const details = await interaction(ctx, deps.provider());
    if (!details) return;
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const login = typeof body['username'] === 'string' ? body['username'].slice(0, 256) : '';
    if (!csrf.verify(ctx, details.uid, body['csrf'])) {
      renderLogin(ctx, details, { code: 'csrf' }, login);
      return;
    }
    const result = await deps.authenticator.signIn({
      login,
      password: typeof body['password'] === 'string' ? body['password'] : '',
      address: ctx.ip,
      clientId: String(details.params['client_id']),
    });
    if (!result.ok) {
      renderLogin(ctx, details, result.error, login);
      return;
    }
    if (result.passwordChangeRequired) {
      await deps.secondFactor.progress.passwordVerified(details.uid, result.account.id, 'new_password');
      renderNewPassword(ctx, csrf, details, result.account.username);
      return;
    }
    await afterPassword(ctx, details, result.account, login);
  });

  addNewPasswordRoutes(router, deps, { afterPassword, renderLogin });

  /** The password was right (and is the person's own): a second factor, a refusal, or done. */
  async function afterPassword(
    ctx: Context,
    details: Details,
    account: Account,
    login = account.username,
  ): Promise<void> {
    // An account with an authenticator always gives its second factor, whatever the app asked for;
    // one with passkeys gives it when the app needs more than a password.
    const needsMore = requiredLevel(details) > acrLevel(ACR.low);
    if (
      (await deps.secondFactor.totp.isActive(account.id)) ||
      (needsMore && (await deps.secondFactor.passkeys.count(account.id)) > 0)
    ) {
      await deps.secondFactor.progress.passwordVerified(details.uid, account.id);
      renderSecondFactor(ctx, details);
      return;
    }
    // A password alone is `low`; a higher level needs a second factor, which this account does not have.
    if (needsMore) {
      await deps.audit.write({
        action: 'login.step_up',
        outcome: 'denied',
        actor: account.id,
        subject: account.id,
        clientId: String(details.params['client_id']),
        address: ctx.ip,
        reason: 'second_factor_required',
      });
      renderLogin(ctx, details, { code: 'step_up_required' }, login);
      return;
    }
    await finishLogin(ctx, details, account, 'password');
  }

  router.post('/interaction/:uid/second-factor', form, async (ctx) => {
    const details = await interaction(ctx, deps.provider());
    if (!details) return;
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const accountId = await deps.secondFactor.progress.accountFor(details.uid);
    // No password step in this interaction (or it is too old): start again from the password.
    if (!accountId || !csrf.verify(ctx, details.uid, body['csrf'])) {
      renderLogin(ctx, details, { code: accountId ? 'csrf' : 'generic' });
      return;
    }
    const throttleKey = `second-factor:${accountId}`;
    const gate = await deps.secondFactor.throttle.check({ accountKey: throttleKey, address: ctx.ip });
    if (!gate.allowed) {
      await deps.audit.write({
        action: 'login.second_factor',
        outcome: 'denied',
        subject: accountId,
        address: ctx.ip,
        reason: gate.reason,
      });
      renderSecondFactor(ctx, details, { code: 'throttled', retryAfterSeconds: gate.retryAfterSeconds });
      return;
    }
    const code = typeof body['code'] === 'string' ? body['code'].normalize('NFKC').replace(/\s/g, '') : '';
    const method = await checkSecondFactor(accountId, code);
    const account = method ? await deps.secondFactor.accounts.find(accountId) : undefined;
    if (!method || !account || account.disabled) {
      const { locked } = await deps.secondFactor.throttle.recordFailure({
        accountKey: throttleKey,
        address: ctx.ip,
      });
      await deps.audit.write({
        action: 'login.second_factor',
        outcome: 'failure',
        subject: accountId,
        clientId: String(details.params['client_id']),
        address: ctx.ip,
        reason: locked ? 'locked' : 'invalid_code',
      });
      renderSecondFactor(ctx, details, { code: 'invalid' });
      return;
    }
    await deps.secondFactor.throttle.recordSuccess({ accountKey: throttleKey, address: ctx.ip });
    await deps.secondFactor.progress.done(details.uid);
    await finishLogin(ctx, details, account, method);
  });

  addPasskeyRoutes(router, deps);

  async function checkSecondFactor(accountId: string, code: string): Promise<SignInMethod | undefined> {
    if (/^\d{6}$/.test(code)) {
      const verified = await deps.secondFactor.totp.verify(accountId, code);
      return verified.ok ? 'password+totp' : undefined;
    }
    if (code.length >= 12 && (await deps.secondFactor.recoveryCodes.use(accountId, code))) {
      return 'password+recovery-code';
    }
    return undefined;
  }

  async function finishLogin(
    ctx: Context,
    details: Details,
    account: Account,
    method: SignInMethod,
  ): Promise<void> {
    const { acr, amr } = assuranceOf(account, method);
    // The password step audited itself; a second factor that completes the sign-in is audited here.
    if (method !== 'password') {
      await deps.audit.write({
        action: 'login.second_factor',
        outcome: 'success',
        actor: account.id,
        subject: account.id,
        clientId: String(details.params['client_id']),
        address: ctx.ip,
        details: { acr, amr },
      });
    }
    await finish(ctx, deps.provider(), { login: { accountId: account.id, acr, amr, remember: true } });
  }

  function renderSecondFactor(
    ctx: Context,
    details: Details,
    error?: { code: 'invalid' } | { code: 'throttled'; retryAfterSeconds: number },
  ): void {
    if (error) ctx.status = error.code === 'throttled' ? 429 : 401;
    if (error?.code === 'throttled') ctx.set('retry-after', String(Math.ceil(error.retryAfterSeconds)));
    pageSecurityHeaders(ctx, originOf(details.params['redirect_uri']));
    ctx.body = secondFactorPage({
      lang: pageLanguage(ctx),
      currentUrl: ctx.originalUrl,
      clientName: (ctx.state as { clientName?: string }).clientName ?? String(details.params['client_id']),
      action: `/interaction/${details.uid}/second-factor`,
      passkey: {
        optionsUrl: `/interaction/${details.uid}/passkey/options`,
        verifyUrl: `/interaction/${details.uid}/passkey`,
      },
      abortUrl: `/interaction/${details.uid}/abort`,
      csrfToken: csrf.token(details.uid),
      error,
    });
  }

  router.post('/interaction/:uid/confirm', form, async (ctx) => {
    const details = await interaction(ctx, deps.provider());
    if (!details) return;
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (!csrf.verify(ctx, details.uid, body['csrf'])) {
      ctx.status = 403;
      renderError(ctx, 'invalid_request', 'the form expired; go back to the app and try again');
      return;
    }
    const accountId = details.session?.accountId;
    const clientId = String(details.params['client_id']);
    // Consent only answers a consent prompt: no skipping the sign-in steps before it.
    if (details.prompt.name !== 'consent' || !accountId) {
      ctx.status = 400;
      renderError(
        ctx,
        'invalid_request',
        'this step is not expected now; go back to the app and start again',
      );
      return;
    }
    if (body['decision'] !== 'allow') {
      await deps.audit.write({
        action: 'consent',
        outcome: 'denied',
        actor: accountId,
        subject: accountId,
        clientId,
        address: ctx.ip,
      });
      await finish(ctx, deps.provider(), {
        error: 'access_denied',
        error_description: 'the citizen declined',
      });
      return;
    }
    const grantId = await grantAll(deps.provider(), details);
    if (accountId) await deps.consents.remember(accountId, clientId, grantId);
    await deps.audit.write({
      action: 'consent',
      outcome: 'success',
      actor: accountId,
      subject: accountId,
      clientId,
      address: ctx.ip,
      details: { scopes: await consentScopes(deps.provider(), details) },
    });
    await finish(ctx, deps.provider(), { consent: { grantId } });
  });

  router.get('/interaction/:uid/abort', async (ctx) => {
    const details = await interaction(ctx, deps.provider());
    if (!details) return;
    await finish(ctx, deps.provider(), {
      error: 'access_denied',
      error_description: 'the citizen cancelled the sign-in',
    });
  });

  function renderLogin(ctx: Context, details: Details, problem?: LoginError, username?: string): void {
    if (problem) ctx.status = STATUS[problem.code];
    if (problem?.code === 'throttled') ctx.set('retry-after', String(problem.retryAfterSeconds));
    pageSecurityHeaders(ctx, originOf(details.params['redirect_uri']));
    const clientName = typeof details.params['client_id'] === 'string' ? details.params['client_id'] : '';
    ctx.body = loginPage({
      lang: pageLanguage(ctx),
      currentUrl: ctx.originalUrl,
      clientName: (ctx.state as { clientName?: string }).clientName ?? clientName,
      action: `/interaction/${details.uid}/login`,
      abortUrl: `/interaction/${details.uid}/abort`,
      csrfToken: csrf.token(details.uid),
      passkey: {
        optionsUrl: `/interaction/${details.uid}/passkey/options`,
        verifyUrl: `/interaction/${details.uid}/passkey`,
      },
      username,
      error: problem,
    });
  }

  return router;
}
