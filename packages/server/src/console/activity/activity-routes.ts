import Router from '@koa/router';
import type { AppDeps } from '../../app.ts';
import { requireConsole, type ConsoleState } from '../console-auth.ts';
import { consoleLanguage, consolePage } from '../console-page.ts';
import { DECRYPT_BASELINE_DAYS, findAlerts } from './activity-alerts.ts';
import { countActivity, readActivity } from './activity-counts.ts';
import { ACTIVITY_MESSAGES } from './activity-messages.ts';
import { activityBody } from './activity-page.ts';
import { ACTIVITY_DAYS, DAY_MS, startOfDay } from './activity-window.ts';
import { EventDepartments } from './event-department.ts';

/**
 * `/console/activity`: sign-ins, failures, denies and decrypts per
 * department per day, and the alerts over them. A security officer sees
 * every department; a department admin only theirs. Each view is audited.
 */
export function activityRoutes(deps: AppDeps): Router<ConsoleState> {
  const router = new Router<ConsoleState>();
  router.get('/console/activity', requireConsole(deps), async (ctx) => {
    const officer = ctx.state.officer;
    const lang = consoleLanguage(ctx);
    const now = Date.now();
    const policy = deps.authz.engine.snapshot();
    const departments = new EventDepartments(policy);
    const scope = officer.securityOfficer ? undefined : [...officer.departmentAdminOf].sort();
    const only = scope ? new Set(scope) : undefined;
    // Decrypts from further back: a spike on the first day shown is judged against the days before it.
    const decryptsFrom = startOfDay(now) - (ACTIVITY_DAYS - 1 + DECRYPT_BASELINE_DAYS) * DAY_MS;
    const events = await readActivity(deps.audit, now, { decryptsFrom });
    const counts = countActivity(events, departments, now, only);
    const alerts = findAlerts(events, departments, deps.authz, now, only);
    await deps.audit.write({
      action: 'console.activity',
      outcome: 'success',
      actor: officer.accountId,
      details: { departments: scope ?? 'all', alerts: alerts.length },
    });
    consolePage(ctx, {
      title: ACTIVITY_MESSAGES[lang].title,
      active: 'activity',
      body: activityBody({
        lang,
        counts,
        alerts,
        departmentNames: new Map(policy.departments.map((d) => [d.id, d.name])),
        scope,
      }),
    });
  });
  return router;
}
