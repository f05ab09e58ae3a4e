import { csvField } from '@onegate/audit';
import type { ExplainedLine } from '@onegate/authz';
import type { ReviewAnswer } from './review-query.ts';

type Cell = string | number | undefined;

function line(cells: Cell[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

/** Where a line came from: its rule or delegation. */
function grantedBy(l: ExplainedLine): string | undefined {
  return l.delegationId !== undefined
    ? `delegation:${l.delegationId}`
    : l.ruleId !== undefined
      ? `rule:${l.ruleId}`
      : undefined;
}

/**
 * The answer as CSV for sign-off (RFC 4180, formula-safe cells): a header of
 * who exported it, when, the question and the policy time, a blank line,
 * then one row per way in (or per grant).
 */
export function reviewCsv(answer: ReviewAnswer, exportedBy: string, exportedAt: Date): string {
  const name = (id: string) => answer.names.get(id);
  const head = [
    line(['OneGate access review']),
    line(['exported_by', exportedBy, name(exportedBy)]),
    line(['exported_at', exportedAt.toISOString()]),
    line(['policy_as_of', answer.result.at]),
  ];
  if (answer.kind === 'who') {
    const { result } = answer;
    head.push(
      line(['question', 'who can']),
      line(['resource', result.resource]),
      line(['action', result.action]),
    );
    head.push(line(['purpose', result.purpose ?? '*']));
    const rows = [
      ...result.access.map((p) => ({ ...p, deniedBy: undefined as string | undefined, access: 'allowed' })),
      ...result.blocked.map((p) => ({ ...p, access: 'blocked' })),
    ].map((p) =>
      line([
        p.subject,
        name(p.subject),
        p.access,
        p.via,
        p.rolePath.join(' > '),
        p.heldIn,
        grantedBy(p),
        p.reachedFrom,
        p.purpose,
        p.minAcr,
        p.validFrom,
        p.validUntil,
        p.deniedBy,
      ]),
    );
    return [
      ...head,
      '\r\n',
      line([
        'account_id',
        'username',
        'access',
        'how',
        'role_path',
        'held_in',
        'granted_by',
        'reached_from',
        'purpose',
        'min_acr',
        'valid_from',
        'valid_until',
        'closed_by',
      ]),
      ...rows,
    ].join('');
  }
  const { result } = answer;
  head.push(line(['question', 'what can']), line(['account_id', result.subject, name(result.subject)]));
  head.push(line(['department', result.department ?? '*']));
  return [
    ...head,
    '\r\n',
    line([
      'effect',
      'department',
      'resource',
      'action',
      'purpose',
      'how',
      'role_path',
      'held_in',
      'granted_by',
      'min_acr',
      'valid_from',
      'valid_until',
      'reaches_down',
    ]),
    ...result.grants.map((g) =>
      line([
        g.effect,
        g.department,
        g.resource,
        g.action,
        g.purpose,
        g.via,
        g.rolePath.join(' > '),
        g.heldIn,
        grantedBy(g),
        g.minAcr,
        g.validFrom,
        g.validUntil,
        g.reachesDown ? 'yes' : 'no',
      ]),
    ),
  ].join('');
}
