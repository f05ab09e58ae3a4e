import type Router from '@koa/router';
import type { Passkeys } from '../second-factors/passkeys.ts';
import { assuranceOf } from './assurance.ts';
import type { InteractionDeps } from './interaction-routes.ts';
import { interaction } from './interaction-steps.ts';
import { jsonBody } from '../body-parsers.ts';

/**
 * Passkey sign-in, as the page's script calls it: JSON in and out, the CSRF
 * token in a header. On its own a passkey signs in (username-less); after a
 * password in the same interaction it is that account's second factor.
 */
export function addPasskeyRoutes(router: Router, deps: InteractionDeps): void {
  const { csrf } = deps;
  const json = jsonBody('64kb');

  // Passkey sign-in (username-less, discoverable credential). It bypasses the password throttle on
  // purpose: a locked account's owner can still get in with a passkey, which no guessing can fake.
  router.post('/interaction/:uid/passkey/options', json, async (ctx) => {
    const details = await interaction(ctx, deps.provider());
    if (!details) return;
    if (!csrf.verify(ctx, details.uid, ctx.get('x-csrf-token'))) {
      ctx.status = 403;
      ctx.body = { error: 'invalid_request', error_description: 'the page expired; reload it' };
      return;
    }
    ctx.body = await deps.secondFactor.passkeys.authenticationOptions(`authenticate:${details.uid}`);
  });

  router.post('/interaction/:uid/passkey', json, async (ctx) => {
    const details = await interaction(ctx, deps.provider());
    if (!details) return;
    const clientId = String(details.params['client_id']);
    if (!csrf.verify(ctx, details.uid, ctx.get('x-csrf-token'))) {
      ctx.status = 403;
      ctx.body = { error: 'invalid_request', error_description: 'the page expired; reload it' };
      return;
    }
    const body = (ctx.request.body ?? {}) as { response?: unknown };
    const verified = await deps.secondFactor.passkeys
      .authenticate(`authenticate:${details.uid}`, body.response as Parameters<Passkeys['authenticate']>[1])
      .catch(() => undefined);
    // After a password in this interaction, the passkey is its second factor and must be the same account's.
    const afterPassword = await deps.secondFactor.progress.accountFor(details.uid);
    const sameAccount = !afterPassword || afterPassword === verified?.accountId;
    const account =
      verified && sameAccount ? await deps.secondFactor.accounts.find(verified.accountId) : undefined;
    if (!verified || !account || account.disabled) {
      await deps.audit.write({
        action: 'login.passkey',
        outcome: 'failure',
        subject: verified?.accountId,
        clientId,
        address: ctx.ip,
        reason: !verified ? 'verification_failed' : sameAccount ? 'account_disabled' : 'other_account',
      });
      ctx.status = 401;
      ctx.body = { error: 'access_denied', error_description: 'the passkey could not be verified' };
      return;
    }
    const { acr, amr } = assuranceOf(
      account,
      'passkey',
      afterPassword ? ['pwd', ...verified.amr, 'mfa'] : verified.amr,
    );
    if (afterPassword) await deps.secondFactor.progress.done(details.uid);
    await deps.audit.write({
      action: 'login.passkey',
      outcome: 'success',
      actor: account.id,
      subject: account.id,
      clientId,
      address: ctx.ip,
      details: { acr, amr },
    });
    const redirect = await deps.provider().interactionResult(
      ctx.req,
      ctx.res,
      { login: { accountId: account.id, acr, amr, remember: true } },
      {
        mergeWithLastSubmission: false,
      },
    );
    ctx.body = { redirect };
  });
}
