import Router from '@koa/router';
import type { RequestState } from '../../http/state.ts';
import type { AppDeps } from '../../app.ts';
import { consoleForm, requireConsole, requireSecurityOfficer, type ConsoleState } from '../console-auth.ts';
import { consoleLanguage, consolePage } from '../console-page.ts';
import {
  checkpointHistory,
  lastVerification,
  verificationRunning,
  verifyNow,
  witnessStatus,
} from './integrity-checks.ts';
import { INTEGRITY_MESSAGES } from './integrity-messages.ts';
import { anyFailure, integrityBody, type IntegrityModel } from './integrity-page.ts';

/**
 * `/console/integrity`: the latest checkpoint, the history with consistency
 * checked between neighbours, witness status and the last full verification,
 * with a red banner when any of them failed. Viewing and verifying are audited.
 */
export function integrityRoutes(deps: AppDeps): Router<ConsoleState> {
  const router = new Router<ConsoleState>();
  const officers = [requireConsole(deps), requireSecurityOfficer()];

  router.get('/console/integrity', ...officers, async (ctx) => {
    const lang = consoleLanguage(ctx);
    // The page shows the log as it is now: sign the current head first (at most one note per size).
    await deps.audit.checkpoint();
    const model: IntegrityModel = {
      lang,
      csrfToken: ctx.state.officer.csrfToken,
      history: await checkpointHistory(deps.audit),
      witnessesConfigured: deps.config.auditWitnesses.length,
      witness: await witnessStatus(deps.audit, { accountId: ctx.state.officer.accountId, address: ctx.ip }),
      verification: await lastVerification(deps.audit),
      verifying: verificationRunning(),
    };
    const failed = anyFailure(model);
    await deps.audit.write({
      action: 'console.integrity.view',
      outcome: 'success',
      actor: ctx.state.officer.accountId,
      address: ctx.ip,
      details: { failed },
    });
    consolePage(ctx, {
      title: INTEGRITY_MESSAGES[lang].title,
      active: 'integrity',
      body: integrityBody(model),
    });
  });

  router.post('/console/integrity/verify', ...officers, consoleForm(deps), async (ctx) => {
    await verifyNow(
      deps.store,
      deps.audit,
      { accountId: ctx.state.officer.accountId, address: ctx.ip },
      (err) =>
        (ctx.state as unknown as RequestState).log.error(
          { code: (err as { code?: unknown }).code },
          'audit log verification failed',
        ),
    );
    ctx.status = 303;
    ctx.redirect('/console/integrity');
  });

  return router;
}
