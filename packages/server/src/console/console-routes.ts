import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { consoleReturnPath, html } from '@onegate/identity';
import type { AppDeps } from '../app.ts';
import { scopedRoutes } from '../http/scoped-routes.ts';
import { activityRoutes } from './activity/activity-routes.ts';
import { consoleAssetRoutes } from './assets/console-assets.ts';
import { delegationRoutes } from './delegations/delegation-routes.ts';
import { auditSearchRoutes } from './audit/audit-routes.ts';
import { requireConsole, type ConsoleState } from './console-auth.ts';
import { SHELL_MESSAGES } from './console-messages.ts';
import { consoleLanguage, consolePage } from './console-page.ts';
import { integrityRoutes } from './integrity/integrity-routes.ts';
import { reviewRoutes } from './review/review-routes.ts';

/**
 * A console section: a router of full `/console/<section>…` paths whose
 * every route starts with `requireConsole(deps)` (and `consoleForm(deps)`
 * on posts), reading `ctx.state.officer`.
 */
export type ConsoleSectionRoutes = (deps: AppDeps) => Router<ConsoleState> | Router;

/** Every section, in nav order. */
export const CONSOLE_SECTIONS: readonly ConsoleSectionRoutes[] = [
  auditSearchRoutes,
  integrityRoutes,
  reviewRoutes,
  delegationRoutes,
  activityRoutes,
];

/**
 * `/console`: its stylesheet and script, the sign-in callback, the start page,
 * then each section. Nothing outside `/console` is touched; requests there
 * that no route answers go on down the pipeline (to a 404).
 */
export function consoleRoutes(
  deps: AppDeps,
  sections: readonly ConsoleSectionRoutes[] = CONSOLE_SECTIONS,
): Middleware {
  const routers = [consoleAssetRoutes(), shellRoutes(deps), ...sections.map((section) => section(deps))];
  return scopedRoutes(
    (path) => path === '/console' || path.startsWith('/console/'),
    routers.flatMap((router) => [router.routes(), router.allowedMethods()] as Middleware[]),
  );
}

function shellRoutes(deps: AppDeps): Router {
  const router = new Router();
  // After signing in through /auth: the session cookie is what counts, the code is left to expire.
  router.get('/console/callback', (ctx: Context) => {
    if (typeof ctx.query['error'] === 'string') {
      const t = SHELL_MESSAGES[consoleLanguage(ctx)];
      consolePage(ctx, {
        title: t.signInFailedTitle,
        active: null,
        body: html`<div class="notice notice-error" role="alert"><p>${t.signInFailedBody}</p></div>
          <p><a class="button console-inline-button" href="/console">${t.tryAgain}</a></p>`,
      });
      ctx.status = 401;
      return;
    }
    ctx.status = 303;
    ctx.redirect(consoleReturnPath(ctx.query['state']));
  });
  router.get('/console', requireConsole(deps), (ctx: Context) => {
    const officer = (ctx.state as ConsoleState).officer;
    ctx.status = 303;
    ctx.redirect(officer.securityOfficer ? '/console/audit' : '/console/review');
  });
  return router;
}
