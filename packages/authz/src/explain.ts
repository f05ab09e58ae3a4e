import { FOREVER } from './casbin-lines.ts';
import type { DecisionIndex, FailedCondition, IndexedLine } from './decision-index.ts';
import type { PolicyEngine } from './policy-engine.ts';
import type { AcrLevel, CheckRequest, Decision } from './policy.ts';
import * as validate from './validate.ts';

/** A rule line as an explanation shows it. */
export interface ExplainedLine {
  effect: 'allow' | 'deny';
  ruleId?: string;
  delegationId?: string;
  /** How the subject came under it. */
  via: 'department' | 'reach-down' | 'delegation' | 'everyone';
  /** The department whose data it covers, and the pattern it matched. */
  department: string;
  resource: string;
  action: string;
  purpose: string;
  minAcr?: AcrLevel;
  /** Where its role is held, and the way from the subject to it: subject → role → inherited role. */
  heldIn: string;
  rolePath: string[];
  /** For reach-down: the department above the resource's whose rule it is. */
  reachedFrom?: string;
  validFrom?: string;
  validUntil?: string;
}

export interface Explanation {
  decision: Decision;
  request: CheckRequest & { at: string };
  /** Every rule line that applied, denies first. */
  matched: ExplainedLine[];
  /** Lines for this subject, resource and action that did not apply, and the condition that stopped each. */
  blocked: Array<ExplainedLine & { because: Exclude<FailedCondition, 'resource'> }>;
  /** One sentence: what decided, and why a deny won if one did. */
  summary: string;
}

const ACR_NAMES: Record<number, AcrLevel> = { 1: 'low', 2: 'substantial', 3: 'high' };

/** Why the engine answered as it did, with every rule that matched or blocked. */
export function explain(engine: PolicyEngine, input: CheckRequest): Explanation {
  const request = validate.checkRequest(input);
  const index = engine.index;
  const req = engine.toIndexRequest(request);
  const decision = engine.decide(req);
  const matched: ExplainedLine[] = [];
  const blocked: Explanation['blocked'] = [];
  const seen = new Set<IndexedLine>();
  for (const { line, above } of index.candidates(req)) {
    if (seen.has(line)) continue;
    seen.add(line);
    const failed = index.failedCondition(line, req);
    if (failed === 'resource') continue;
    const shown = describeLine(index, req.sub, line, above);
    if (failed === undefined) matched.push(shown);
    else blocked.push({ ...shown, because: failed });
  }
  matched.sort((a, b) => Number(b.effect === 'deny') - Number(a.effect === 'deny'));
  return {
    decision,
    request: { ...request, at: new Date(req.now).toISOString() },
    matched,
    blocked,
    summary: summarize(decision, matched, blocked),
  };
}

export function describeLine(
  index: DecisionIndex,
  sub: string,
  line: IndexedLine,
  above?: string,
): ExplainedLine {
  const [, , dom, obj, act, purpose, , nbf, exp, eft, , id] = line.raw;
  const shown: ExplainedLine = {
    effect: eft === 'deny' ? 'deny' : 'allow',
    via:
      line.sub === '*'
        ? 'everyone'
        : above !== undefined
          ? 'reach-down'
          : line.subdom !== line.dom
            ? 'delegation'
            : 'department',
    department: dom,
    resource: `${dom}${obj}`,
    action: act,
    purpose,
    heldIn: line.subdom,
    rolePath: line.sub === '*' ? [] : rolePath(index, sub, line.subdom, line.sub),
  };
  if (id.startsWith('rule:')) shown.ruleId = id.slice(5);
  if (id.startsWith('delegation:')) shown.delegationId = id.slice(11);
  const acr = ACR_NAMES[line.minacr];
  if (acr && !line.deny) shown.minAcr = acr;
  if (above !== undefined) shown.reachedFrom = above;
  if (Number(nbf) > 0) shown.validFrom = new Date(Number(nbf)).toISOString();
  if (Number(exp) < FOREVER) shown.validUntil = new Date(Number(exp)).toISOString();
  return shown;
}

/** Shortest chain of `g` links from the subject to `role` in `department`, subject first, `user:` dropped. */
export function rolePath(index: DecisionIndex, sub: string, department: string, role: string): string[] {
  const links = index.linkedTo(department);
  const from = new Map<string, string>();
  let frontier = [sub];
  while (frontier.length > 0 && !from.has(role)) {
    const next: string[] = [];
    for (const name of frontier) {
      for (const target of links.get(name) ?? []) {
        if (target === sub || from.has(target)) continue;
        from.set(target, name);
        next.push(target);
      }
    }
    frontier = next;
  }
  const path = [role];
  for (let at = from.get(role); at !== undefined; at = from.get(at)) path.unshift(at);
  path[0] = path[0]!.replace(/^user:/, '');
  return path;
}

function summarize(decision: Decision, matched: ExplainedLine[], blocked: Explanation['blocked']): string {
  const name = (l: ExplainedLine) =>
    l.delegationId !== undefined ? `delegation ${l.delegationId}` : `rule ${l.ruleId ?? '?'}`;
  const deny = matched.find((l) => l.effect === 'deny');
  const allows = matched.filter((l) => l.effect === 'allow');
  if (deny) {
    return allows.length > 0
      ? `denied: ${name(deny)} denies it, and a deny overrides the allow of ${allows.map(name).join(', ')}`
      : `denied: ${name(deny)} denies it`;
  }
  if (allows.length > 0) return `allowed by ${allows.map(name).join(', ')}`;
  if (blocked.length > 0) {
    const reasons = blocked.map((l) => `${name(l)} (${l.because.replace(/_/g, ' ')})`);
    return `denied: no rule applies; close but not applicable: ${reasons.join(', ')}`;
  }
  return 'denied: no rule grants this subject this action on this resource';
}
