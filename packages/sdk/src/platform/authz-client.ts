import { OneGateError } from '../errors.ts';
import type { ApiClient } from './api-client.ts';
import { DecisionCache } from './decision-cache.ts';

/** One question: may `subject` do `action` to `resource`, for `purpose`, signed in at `acr`? */
export interface AuthzCheck {
  /** The person's account id (the `sub` of a public-subject app). */
  subject: string;
  action: string;
  /** `department/segment/…`, e.g. `civil-affairs-hz/marriage-records/2019-0042`. */
  resource: string;
  /** Purpose of use, e.g. `criminal-investigation`. */
  purpose?: string;
  /** The `acr` of the person's ID token (`low`, `substantial`, `high` or the `urn:onegate:acr:` form); leave out for a service acting on its own. */
  acr?: string;
}

/** OneGate's answer to one check. */
export interface AuthzDecision {
  allowed: boolean;
  /** The id of the decision in OneGate's audit log; log it beside your own line. */
  decisionId: string;
  /** `allowed`, `denied_by_rule` or `no_matching_rule`. */
  reason: string;
  ruleId?: string;
  delegationId?: string;
}

/** `POST /api/v1/authz/*` for apps with the `authz:check` scope. */
export interface AuthzClient {
  /**
   * One decision. Answers are reused for a few seconds (`authzCacheTtlMs`):
   * a reused answer keeps its `decisionId` and is not audited again.
   *
   * @throws OneGateError `ERR_API_INVALID` (a malformed check), `ERR_API_NOT_FOUND` (no such department),
   * `ERR_API_UNAUTHORIZED`/`ERR_API_FORBIDDEN` (token or scope), `ERR_API_UNAVAILABLE`.
   */
  check(check: AuthzCheck): Promise<AuthzDecision>;
  /** Many decisions in the order asked, 1,000 per request (longer lists are split); cached ones are not asked again. */
  checkMany(checks: readonly AuthzCheck[]): Promise<AuthzDecision[]>;
  /** Why: every rule that matched or nearly did, role paths, the delegation used (docs/authorization.md). Never cached. */
  explain(check: AuthzCheck): Promise<unknown>;
}

/** OneGate's limit of checks per request. */
export const MAX_CHECKS = 1000;
const SCOPES = ['authz:check'];

/** Only the fields a check has, in a fixed order: the cache key and what is sent. */
function normalize(check: AuthzCheck): AuthzCheck {
  if (typeof check !== 'object' || check === null) {
    throw new OneGateError(
      'ERR_API_INVALID',
      'a check is an object of subject, action, resource, purpose, acr',
    );
  }
  const { subject, action, resource, purpose, acr } = check;
  return {
    subject,
    action,
    resource,
    ...(purpose === undefined ? {} : { purpose }),
    ...(acr === undefined ? {} : { acr }),
  };
}

/** The authorization client over `api`, with a decision cache of `ttlMs` (0 = none) and `size` entries. */
export function createAuthzClient(api: ApiClient, ttlMs: number, size: number): AuthzClient {
  const cache = new DecisionCache<AuthzDecision>(ttlMs, size);

  const ask = async (checks: AuthzCheck[]): Promise<AuthzDecision[]> => {
    const results: AuthzDecision[] = [];
    for (let i = 0; i < checks.length; i += MAX_CHECKS) {
      const chunk = checks.slice(i, i + MAX_CHECKS);
      const answer = await api.json<{ results?: unknown }>({
        path: '/authz/check',
        scopes: SCOPES,
        body: JSON.stringify({ checks: chunk }),
      });
      if (!Array.isArray(answer.results) || answer.results.length !== chunk.length) {
        throw new OneGateError(
          'ERR_API_RESPONSE',
          'OneGate answered a batch of checks with another number of results',
        );
      }
      results.push(...(answer.results as AuthzDecision[]));
    }
    return results;
  };

  return {
    async check(check) {
      const [decision] = await this.checkMany([check]);
      return decision!;
    },

    async checkMany(checks) {
      const normalized = checks.map(normalize);
      const keys = normalized.map((c) => JSON.stringify(c));
      const answers = keys.map((key) => cache.get(key));
      const missing = answers.flatMap((answer, i) => (answer === undefined ? [i] : []));
      if (missing.length > 0) {
        const fresh = await ask(missing.map((i) => normalized[i]!));
        missing.forEach((i, j) => {
          answers[i] = fresh[j]!;
          cache.set(keys[i]!, fresh[j]!);
        });
      }
      return answers as AuthzDecision[];
    },

    async explain(check) {
      return api.json<unknown>({
        path: '/authz/explain',
        scopes: SCOPES,
        body: JSON.stringify(normalize(check)),
      });
    },
  };
}
