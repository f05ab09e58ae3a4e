import Router from '@koa/router';
import type { Context } from 'koa';
import type { Language } from '@onegate/identity';
import type { AppDeps } from '../../app.ts';
import { requireConsole, type ConsoleState, type Officer } from '../console-auth.ts';
import { consoleLanguage, consolePage } from '../console-page.ts';
import { reviewCsv } from './review-csv.ts';
import { REVIEW_MESSAGES } from './review-messages.ts';
import { reviewBody } from './review-page.ts';
import {
  parseReviewQuery,
  ReviewRefused,
  runReview,
  type ReviewAnswer,
  type ReviewQuery,
} from './review-query.ts';

/**
 * `/console/review`: who can access a resource, what a person can do, and
 * either as CSV for sign-off. Every review and export is audited, refused
 * ones too (a department admin asking about another department).
 */
export function reviewRoutes(deps: AppDeps): Router<ConsoleState> {
  const router = new Router<ConsoleState>();
  const officerOnly = requireConsole(deps);

  router.get('/console/review', officerOnly, async (ctx) => {
    const lang = consoleLanguage(ctx);
    const officer = ctx.state.officer;
    const query = parseReviewQuery(ctx.query);
    const outcome = query ? await review(deps, ctx, officer, query, 'console.review', lang) : undefined;
    consolePage(ctx, {
      title: REVIEW_MESSAGES[lang].title,
      active: 'review',
      body: reviewBody({ lang, officer, query, answer: outcome?.answer, error: outcome?.error }),
    });
    if (outcome?.status) ctx.status = outcome.status;
  });

  router.get('/console/review/export.csv', officerOnly, async (ctx) => {
    const lang = consoleLanguage(ctx);
    const officer = ctx.state.officer;
    const query = parseReviewQuery(ctx.query);
    if (!query) {
      ctx.redirect('/console/review');
      return;
    }
    const outcome = await review(deps, ctx, officer, query, 'console.review_export', lang);
    if (!outcome.answer) {
      consolePage(ctx, {
        title: REVIEW_MESSAGES[lang].title,
        active: 'review',
        body: reviewBody({ lang, officer, query, error: outcome.error }),
      });
      ctx.status = outcome.status ?? 400;
      return;
    }
    const now = new Date();
    const officerAccount = await deps.identity.accounts.find(officer.accountId).catch(() => undefined);
    if (officerAccount) outcome.answer.names.set(officer.accountId, officerAccount.username);
    ctx.set('cache-control', 'no-store');
    ctx.set(
      'content-disposition',
      `attachment; filename="access-review-${query.kind}-${now.toISOString().slice(0, 10)}.csv"`,
    );
    ctx.type = 'text/csv; charset=utf-8';
    // The byte order mark lets spreadsheet programs read the Chinese text as UTF-8.
    ctx.body = `\uFEFF${reviewCsv(outcome.answer, officer.accountId, now)}`;
  });

  return router;
}

/** Runs and audits one review; a refusal comes back as the error to show and its status. */
async function review(
  deps: AppDeps,
  ctx: Context,
  officer: Officer,
  query: ReviewQuery,
  action: 'console.review' | 'console.review_export',
  lang: Language,
): Promise<{ answer?: ReviewAnswer; error?: string; status?: number }> {
  const t = REVIEW_MESSAGES[lang];
  const asked =
    query.kind === 'who'
      ? { question: 'who', resource: query.resource, action: query.action, purpose: query.purpose ?? null }
      : { question: 'what', person: query.person, department: query.department ?? null };
  try {
    const answer = await runReview(deps, officer, query);
    const found =
      answer.kind === 'who'
        ? { ways: answer.result.access.length, blocked: answer.result.blocked.length }
        : { subject: answer.result.subject, grants: answer.result.grants.length };
    await deps.audit.write({
      action,
      outcome: 'success',
      actor: officer.accountId,
      address: ctx.ip,
      details: { ...asked, ...found },
    });
    return { answer };
  } catch (err) {
    if (!(err instanceof ReviewRefused)) throw err;
    const denied = err.code === 'not_your_department';
    await deps.audit.write({
      action,
      outcome: denied ? 'denied' : 'failure',
      actor: officer.accountId,
      address: ctx.ip,
      reason: err.code,
      details: asked,
    });
    return denied
      ? { error: t.notYourDepartment, status: 403 }
      : { error: t.invalid(err.message), status: 400 };
  }
}
