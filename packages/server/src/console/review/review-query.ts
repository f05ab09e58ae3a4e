import { isAuthzError, type WhatCanResult, type WhoCanResult } from '@onegate/authz';
import type { ConsoleDeps } from '../console-deps.ts';
import type { Officer } from '../console-auth.ts';

/** The two questions of a review, as the forms (and the export link) send them. */
export type ReviewQuery =
  | { kind: 'who'; resource: string; action: string; purpose?: string }
  | { kind: 'what'; person: string; department?: string };

export type ReviewAnswer =
  | { kind: 'who'; query: ReviewQuery & { kind: 'who' }; result: WhoCanResult; names: Map<string, string> }
  | {
      kind: 'what';
      query: ReviewQuery & { kind: 'what' };
      result: WhatCanResult;
      names: Map<string, string>;
    };

/** Why a review did not run; nothing was looked at. */
export class ReviewRefused extends Error {
  readonly code: 'not_your_department' | 'invalid';

  constructor(code: ReviewRefused['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** Usernames are looked up for at most this many people per answer; the rest show by account id. */
export const MAX_NAMES = 500;

/** The query in `?resource=&action=&purpose=` or `?person=&department=`; none when both are empty. */
export function parseReviewQuery(q: Record<string, unknown>): ReviewQuery | undefined {
  const text = (key: string) => {
    const v = q[key];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const resource = text('resource');
  const person = text('person');
  if (resource !== undefined) {
    const purpose = text('purpose');
    return { kind: 'who', resource, action: text('action') ?? '', ...(purpose ? { purpose } : {}) };
  }
  if (person !== undefined) {
    const department = text('department');
    return { kind: 'what', person, ...(department ? { department } : {}) };
  }
  return undefined;
}

/**
 * Runs a review within the officer's reach: a security officer any
 * department, a department admin only resources of their departments (and,
 * for a person, only the grants in them).
 */
export async function runReview(
  deps: ConsoleDeps,
  officer: Officer,
  query: ReviewQuery,
): Promise<ReviewAnswer> {
  const mine = (department: string) =>
    officer.securityOfficer || officer.departmentAdminOf.includes(department);
  try {
    if (query.kind === 'who') {
      const department = query.resource.split('/', 1)[0]!;
      if (!mine(department)) throw new ReviewRefused('not_your_department', 'not your department');
      const result = deps.authz.whoCan(query);
      const subjects = [...result.access, ...result.blocked].map((p) => p.subject);
      return { kind: 'who', query, result, names: await usernames(deps, subjects) };
    }
    if (query.department !== undefined && !mine(query.department)) {
      throw new ReviewRefused('not_your_department', 'not your department');
    }
    const subject = await accountIdOf(deps, query.person);
    const result = deps.authz.whatCan({ subject, department: query.department });
    if (!officer.securityOfficer) {
      result.grants = result.grants.filter((g) => officer.departmentAdminOf.includes(g.department));
    }
    return { kind: 'what', query, result, names: await usernames(deps, [subject]) };
  } catch (err) {
    if (isAuthzError(err, 'ERR_AUTHZ_INVALID') || isAuthzError(err, 'ERR_AUTHZ_NOT_FOUND')) {
      throw new ReviewRefused('invalid', err.message);
    }
    throw err;
  }
}

/** An account id as typed, or the account a username (or other sign-in name) belongs to. */
async function accountIdOf(deps: ConsoleDeps, person: string): Promise<string> {
  try {
    return (await deps.identity.accounts.lookup(person)).id;
  } catch {
    return person; // a subject that is not an account (a service), or nobody: authz answers for it
  }
}

async function usernames(deps: ConsoleDeps, subjects: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of [...new Set(subjects)].slice(0, MAX_NAMES)) {
    const account = await deps.identity.accounts.find(id).catch(() => undefined);
    if (account) names.set(id, account.username);
  }
  return names;
}
