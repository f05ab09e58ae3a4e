import Router from '@koa/router';
import type { Context } from 'koa';
import { AuditError, encodeCursor } from '@onegate/audit';
import { html, LANGUAGES } from '@onegate/identity';
import type { AppDeps } from '../../app.ts';
import { consoleForm, requireConsole, requireSecurityOfficer, type ConsoleState } from '../console-auth.ts';
import { consoleLanguage, consolePage } from '../console-page.ts';
import { PROVE_IT_SCRIPT_URL } from '../assets/console-assets.ts';
import { AUDIT_MESSAGES } from './audit-messages.ts';
import { streamAuditExport } from '../../http/audit-download.ts';
import { exportFormat } from './audit-export.ts';
import { eventBody } from './event-page.ts';
import { inclusionView } from './inclusion-view.ts';
import { describeSearch, searchRequest, type SearchRequest } from './search-form.ts';
import { searchBody } from './search-page.ts';

const PAGE_SIZE = 50;
const INDEX = /^[0-9]{1,16}$/;

type ConsoleContext = Context & { state: ConsoleState };

/**
 * `/console/audit`: search (filters posted, never in the URL), event detail
 * with "prove it", and export of the current filter. Security officers only;
 * each search, view and export is itself an audit event (`console.audit.*`).
 * Nothing here changes or deletes an event: the log has no such operation.
 */
export function auditSearchRoutes(deps: AppDeps): Router<ConsoleState> {
  const router = new Router<ConsoleState>();
  const officers = [requireConsole(deps), requireSecurityOfficer()];

  router.get('/console/audit', ...officers, async (ctx) => {
    await search(ctx, searchRequest(undefined));
  });

  router.post('/console/audit/search', ...officers, consoleForm(deps), async (ctx) => {
    await search(ctx, searchRequest(ctx.request.body as Record<string, unknown>));
  });

  // Results answer a post (filters stay out of the URL); a GET here, as the
  // language switch on a results page makes, starts over on the search form.
  router.get('/console/audit/search', ...officers, (ctx) => {
    const lang = ctx.query['lang'];
    const known = LANGUAGES.find((l) => l === lang);
    ctx.status = 303;
    ctx.redirect(known ? `/console/audit?lang=${known}` : '/console/audit');
  });

  router.post('/console/audit/export', ...officers, consoleForm(deps), async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const request = searchRequest(body);
    const format = exportFormat(body['format']);
    if (request.error || !format) {
      ctx.status = 400;
      return render(ctx, { ...request, error: request.error ?? 'format is csv, jsonl or ocsf' }, []);
    }
    await streamAuditExport(ctx, deps.audit, request.filter, format, () =>
      record(ctx, 'console.audit.export', { filter: describeSearch(request.filter), format }),
    );
  });

  router.get('/console/audit/events/:index', ...officers, async (ctx) => {
    const t = AUDIT_MESSAGES[consoleLanguage(ctx)];
    const raw = ctx.params['index'] ?? '';
    const index = INDEX.test(raw) ? Number(raw) : NaN;
    let leaf: Buffer | undefined;
    let pruned = false;
    if (Number.isSafeInteger(index)) {
      leaf = await deps.audit.entry(index).catch((err: unknown) => {
        if (err instanceof AuditError && err.code === 'ERR_AUDIT_NOT_FOUND') {
          pruned = /pruned/.test(err.message);
          return undefined;
        }
        throw err;
      });
    }
    if (!leaf) {
      ctx.status = 404;
      consolePage(ctx, {
        title: t.searchTitle,
        active: 'audit',
        body: html`<div class="notice notice-error" role="alert">
            <p>${pruned ? t.pruned : t.notFound}</p>
          </div>
          <p><a href="/console/audit">${t.backToSearch}</a></p>`,
      });
      return;
    }
    await record(ctx, 'console.audit.view', { index });
    const proof = await inclusionView(deps.audit, index, leaf);
    consolePage(ctx, {
      title: t.eventTitle(index),
      active: 'audit',
      body: eventBody({
        lang: consoleLanguage(ctx),
        index,
        event: JSON.parse(leaf.toString('utf8')) as Record<string, unknown>,
        proof,
      }),
      scripts: [PROVE_IT_SCRIPT_URL],
    });
  });

  async function search(ctx: ConsoleContext, request: SearchRequest): Promise<void> {
    if (request.error) {
      ctx.status = 400;
      return render(ctx, request, []);
    }
    const page = await deps.audit.query(request.filter, {
      limit: PAGE_SIZE,
      ...(request.before === undefined ? {} : { before: request.before }),
    });
    await record(ctx, 'console.audit.search', {
      filter: describeSearch(request.filter),
      count: page.events.length,
      ...(request.before === undefined ? {} : { before: request.before }),
    });
    render(ctx, request, page.events, page.nextBefore);
  }

  function render(
    ctx: ConsoleContext,
    request: SearchRequest,
    events: Awaited<ReturnType<typeof deps.audit.query>>['events'],
    nextBefore?: number,
  ): void {
    const lang = consoleLanguage(ctx);
    consolePage(ctx, {
      title: AUDIT_MESSAGES[lang].searchTitle,
      active: 'audit',
      body: searchBody({
        lang,
        csrfToken: ctx.state.officer.csrfToken,
        values: request.values,
        error: request.error,
        events,
        nextCursor: nextBefore === undefined ? undefined : encodeCursor(nextBefore),
      }),
    });
  }

  async function record(
    ctx: ConsoleContext,
    action: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    await deps.audit.write({
      action,
      outcome: 'success',
      actor: ctx.state.officer.accountId,
      address: ctx.ip,
      details,
    });
  }

  return router;
}
