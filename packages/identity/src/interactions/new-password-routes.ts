import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Account } from '../accounts/account.ts';
import { formBody } from '../body-parsers.ts';
import { newPasswordPage, type LoginError, type NewPasswordError } from '../pages/index.ts';
import type { CsrfGuard } from './csrf.ts';
import type { InteractionDeps } from './interaction-routes.ts';
import { interaction, type Details } from './interaction-steps.ts';
import { originOf, pageLanguage, pageSecurityHeaders } from './page-context.ts';

interface Steps {
  /** Where the sign-in goes once the password is the person's own. */
  afterPassword: (ctx: Context, details: Details, account: Account) => Promise<void>;
  renderLogin: (ctx: Context, details: Details, problem?: LoginError) => void;
}

/**
 * The step after an operator's temporary password (ASVS 6.4.1): the person
 * chooses their own, in the same interaction, before any second factor or
 * consent; the temporary one is then gone.
 */
export function addNewPasswordRoutes(router: Router, deps: InteractionDeps, steps: Steps): void {
  const { csrf } = deps;

  router.post('/interaction/:uid/new-password', formBody('16kb'), async (ctx) => {
    const { accounts, progress } = deps.secondFactor;
    const details = await interaction(ctx, deps.provider());
    if (!details) return;
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const accountId = await progress.accountFor(details.uid, 'new_password');
    // No temporary password verified in this interaction (or too long ago): start from the password.
    if (!accountId || !csrf.verify(ctx, details.uid, body['csrf'])) {
      steps.renderLogin(ctx, details, { code: accountId ? 'csrf' : 'generic' });
      return;
    }
    const account = await accounts.find(accountId);
    if (!account || account.disabled) {
      steps.renderLogin(ctx, details, { code: 'generic' });
      return;
    }
    const next = typeof body['new_password'] === 'string' ? body['new_password'] : '';
    if (next !== body['repeat_password']) {
      renderNewPassword(ctx, csrf, details, account.username, { code: 'mismatch' });
      return;
    }
    const replaced = await accounts.replaceTemporaryPassword(accountId, next, {
      address: ctx.ip,
      clientId: String(details.params['client_id']),
    });
    if (!replaced.ok) {
      if (replaced.error.code === 'not_temporary') steps.renderLogin(ctx, details, { code: 'generic' });
      else renderNewPassword(ctx, csrf, details, account.username, replaced.error);
      return;
    }
    await progress.done(details.uid);
    await steps.afterPassword(ctx, details, account);
  });
}

export function renderNewPassword(
  ctx: Context,
  csrf: CsrfGuard,
  details: Details,
  username: string,
  error?: NewPasswordError,
): void {
  if (error) ctx.status = 400;
  pageSecurityHeaders(ctx, originOf(details.params['redirect_uri']));
  ctx.body = newPasswordPage({
    lang: pageLanguage(ctx),
    currentUrl: ctx.originalUrl,
    clientName: (ctx.state as { clientName?: string }).clientName ?? String(details.params['client_id']),
    username,
    action: `/interaction/${details.uid}/new-password`,
    abortUrl: `/interaction/${details.uid}/abort`,
    csrfToken: csrf.token(details.uid),
    error,
  });
}
