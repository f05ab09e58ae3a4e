import { randomBytes } from 'node:crypto';
import type { AuthzAuditEvent } from './authz-audit.ts';
import { AuthzError, isAuthzError } from './errors.ts';
import type { PolicyEngine } from './policy-engine.ts';
import type { CheckRequest, Decision, DecisionReason } from './policy.ts';
import * as validate from './validate.ts';

/** The most checks one request may carry. */
export const MAX_CHECKS = 1000;

/** Who asked: the app's client, from its access token. */
export interface CheckCaller {
  clientId: string;
}

/** One answer; `decisionId` lets the app link its own log line to the audit event. */
export interface CheckResult {
  allowed: boolean;
  decisionId: string;
  reason: DecisionReason;
  ruleId?: string;
  delegationId?: string;
}

export interface Decided {
  request: CheckRequest;
  result: CheckResult;
}

/**
 * Validates every check first, so that one bad check fails the batch before
 * anything is decided or audited; then decides each at one instant. Errors
 * name the check by its place (`checks[3]: …`) when `batch` is set.
 */
export function decideAll(engine: PolicyEngine, inputs: readonly unknown[], batch: boolean): Decided[] {
  if (inputs.length > MAX_CHECKS) {
    throw new AuthzError('ERR_AUTHZ_INVALID', `at most ${MAX_CHECKS} checks per request`);
  }
  const now = engine.now();
  const prepared = inputs.map((input, i) => {
    try {
      const request = validate.checkRequest(input);
      return { request, indexed: engine.toIndexRequest(request, now) };
    } catch (err) {
      if (!batch || !isAuthzError(err)) throw err;
      throw new AuthzError(err.code, `checks[${i}]: ${err.message}`);
    }
  });
  return prepared.map(({ request, indexed }) => ({
    request,
    result: toResult(engine.decide(indexed)),
  }));
}

/** Decision ids drawn from the CSPRNG at a time: one call per this many decisions, not one each. */
const IDS_PER_DRAW = 256;
let drawn = Buffer.alloc(0);
let used = 0;

/** 128 random bits, base64url (22 characters); each id comes from bytes no other id used. */
function newDecisionId(): string {
  if (used >= drawn.length) {
    drawn = randomBytes(16 * IDS_PER_DRAW);
    used = 0;
  }
  const id = drawn.toString('base64url', used, used + 16);
  used += 16;
  return id;
}

function toResult(decision: Decision): CheckResult {
  const result: CheckResult = {
    allowed: decision.allowed,
    decisionId: newDecisionId(),
    reason: decision.reason,
  };
  if (decision.ruleId !== undefined) result.ruleId = decision.ruleId;
  if (decision.delegationId !== undefined) result.delegationId = decision.delegationId;
  return result;
}

/** The audit event of one decision: ids and the question asked, nothing else about the person. */
export function decisionEvent({ request, result }: Decided, caller: CheckCaller): AuthzAuditEvent {
  return {
    action: 'authz.decision',
    outcome: result.allowed ? 'success' : 'denied',
    actor: caller.clientId,
    clientId: caller.clientId,
    subject: request.subject,
    reason: result.reason,
    details: {
      decisionId: result.decisionId,
      subject: request.subject,
      action: request.action,
      resource: request.resource,
      purpose: request.purpose ?? null,
      acr: request.acr ?? null,
      ruleId: result.ruleId ?? null,
      delegationId: result.delegationId ?? null,
    },
  };
}
