import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's `policies/` folder: the sample the tests hold to its promises. */
export const POLICIES = fileURLToPath(new URL('../../../policies', import.meta.url));

/** A fresh folder holding `files` (relative path → text). */
export function policyDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'onegate-policy-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A small valid department file; tests break one line of it at a time. */
export const TAX = `departments:
  - { id: tax, name: Provincial Tax Service }
  - { id: tax-hangzhou, name: Hangzhou Tax Bureau, parent: tax }
roles:
  - { department: tax, name: auditor, reachDown: true }
  - { department: tax-hangzhou, name: inspector }
assignments:
  - { subject: inspector-01, department: tax-hangzhou, role: inspector }
  - { subject: auditor-01, department: tax, role: auditor }
rules:
  - id: tax-hz-inspector-returns
    department: tax-hangzhou
    role: inspector
    resources: [tax-hangzhou/returns/*]
    actions: [read]
  - id: tax-auditor-read
    department: tax
    role: auditor
    resources: [tax/*]
    actions: [read]
    purposes: [audit]
`;

export const CUSTOMS = `departments:
  - { id: customs, name: Provincial Customs Office }
roles:
  - { department: customs, name: agent }
assignments:
  - { subject: agent-01, department: customs, role: agent }
`;

/** One delegation from tax-hangzhou to customs; a field set to undefined is left out. */
export function delegationYaml(fields: Record<string, string | undefined> = {}): string {
  const d: Record<string, string | undefined> = {
    id: 'tax-to-customs',
    fromDepartment: 'tax-hangzhou',
    toDepartment: 'customs',
    toRole: 'agent',
    resources: '[tax-hangzhou/returns/*]',
    actions: '[read]',
    purposes: '[import-duty-audit]',
    notBefore: '2026-01-01T00:00:00+08:00',
    expiresAt: '2027-01-01T00:00:00+08:00',
    minAcr: 'substantial',
    reason: 'Checking declared import values',
    createdBy: 'admin-customs-01',
    approvedBy: 'dpo-tax-01',
    status: 'approved',
    ...fields,
  };
  const lines = Object.entries(d)
    .filter(([, v]) => v !== undefined)
    .map(([k, v], i) => `${i === 0 ? '  - ' : '    '}${k}: ${v}`);
  return `delegations:\n${lines.join('\n')}\n`;
}
