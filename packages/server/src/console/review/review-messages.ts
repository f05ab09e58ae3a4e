import type { Language } from '@onegate/identity';

/** Texts of the access review. Plain text: the page escapes them. */
export interface ReviewMessages {
  title: string;
  intro: string;
  scopeAll: string;
  scopeDepartments: (departments: string) => string;
  whoHeading: string;
  resourceLabel: string;
  resourceHint: string;
  actionLabel: string;
  actionHint: string;
  purposeLabel: string;
  purposeHint: string;
  whoSubmit: string;
  whatHeading: string;
  personLabel: string;
  personHint: string;
  departmentLabel: string;
  departmentHint: string;
  whatSubmit: string;
  whoResult: (action: string, resource: string, purpose: string | undefined, at: string) => string;
  whatResult: (person: string, at: string) => string;
  nobody: string;
  nothing: string;
  blockedHeading: string;
  exportCsv: string;
  person: string;
  how: string;
  rolePath: string;
  heldIn: string;
  grantedBy: string;
  purposes: string;
  anyPurpose: string;
  minAcr: string;
  validUntil: string;
  forever: string;
  deniedBy: string;
  effect: string;
  resource: string;
  action: string;
  via: Record<'department' | 'reach-down' | 'delegation' | 'everyone', string>;
  allow: string;
  deny: string;
  rule: (id: string) => string;
  delegation: (id: string) => string;
  reachedFrom: (department: string) => string;
  errorHeading: string;
  notYourDepartment: string;
  invalid: (message: string) => string;
}

const en: ReviewMessages = {
  title: 'Access review',
  intro:
    'Who can access a resource, and what one person can do, from the policy in force now. Each way in is confirmed by a real decision; a way a deny rule closes is listed apart.',
  scopeAll: 'You can review every department.',
  scopeDepartments: (departments) => `You can review resources of your departments: ${departments}.`,
  whoHeading: 'Who can access a resource',
  resourceLabel: 'Resource',
  resourceHint: 'department/dataset/…, e.g. civil-affairs/marriage-records/2026-0001',
  actionLabel: 'Action',
  actionHint: 'e.g. read',
  purposeLabel: 'Purpose (optional)',
  purposeHint: 'e.g. case-handling; leave empty for every purpose',
  whoSubmit: 'Show who can',
  whatHeading: 'What a person can do',
  personLabel: 'Person',
  personHint: 'account id or username',
  departmentLabel: 'Department (optional)',
  departmentHint: 'only this department',
  whatSubmit: 'Show what they can do',
  whoResult: (action, resource, purpose, at) =>
    `Who can ${action} ${resource}${purpose ? ` for ${purpose}` : ''}, as of ${at}`,
  whatResult: (person, at) => `What ${person} can do, as of ${at}`,
  nobody: 'Nobody can.',
  nothing: 'No rule covers this person.',
  blockedHeading: 'Ways in closed by a deny rule',
  exportCsv: 'Export as CSV for sign-off',
  person: 'Person',
  how: 'How',
  rolePath: 'Role path',
  heldIn: 'Held in',
  grantedBy: 'Granted by',
  purposes: 'Purpose',
  anyPurpose: 'any',
  minAcr: 'Least sign-in level',
  validUntil: 'Valid until',
  forever: '—',
  deniedBy: 'Closed by',
  effect: 'Effect',
  resource: 'Resource',
  action: 'Action',
  via: {
    department: 'role in the department',
    'reach-down': 'role reaching down',
    delegation: 'delegation',
    everyone: 'everyone',
  },
  allow: 'allow',
  deny: 'deny',
  rule: (id) => `rule ${id}`,
  delegation: (id) => `delegation ${id}`,
  reachedFrom: (department) => `from ${department}`,
  errorHeading: 'The review could not run',
  notYourDepartment: 'That department is not one you administer: you can review only your departments.',
  invalid: (message) => `Check the fields: ${message}.`,
};

const zh: ReviewMessages = {
  title: '访问审查',
  intro:
    '根据当前生效的策略，查看谁可以访问某个资源，以及某个人可以做什么。每条访问途径都经过真实决策确认；被拒绝规则关闭的途径单独列出。',
  scopeAll: '您可以审查所有部门。',
  scopeDepartments: (departments) => `您可以审查所管理部门的资源：${departments}。`,
  whoHeading: '谁可以访问某个资源',
  resourceLabel: '资源',
  resourceHint: '部门/数据集/…，例如 civil-affairs/marriage-records/2026-0001',
  actionLabel: '操作',
  actionHint: '例如 read',
  purposeLabel: '目的（可选）',
  purposeHint: '例如 case-handling；留空表示所有目的',
  whoSubmit: '查看谁可以访问',
  whatHeading: '某个人可以做什么',
  personLabel: '人员',
  personHint: '账号 ID 或用户名',
  departmentLabel: '部门（可选）',
  departmentHint: '仅限该部门',
  whatSubmit: '查看其权限',
  whoResult: (action, resource, purpose, at) =>
    `可对 ${resource} 执行 ${action}${purpose ? `（目的：${purpose}）` : ''} 的人员，截至 ${at}`,
  whatResult: (person, at) => `${person} 的权限，截至 ${at}`,
  nobody: '没有人可以访问。',
  nothing: '没有规则涵盖此人。',
  blockedHeading: '被拒绝规则关闭的访问途径',
  exportCsv: '导出 CSV 以供签核',
  person: '人员',
  how: '途径',
  rolePath: '角色路径',
  heldIn: '所在部门',
  grantedBy: '授予来源',
  purposes: '目的',
  anyPurpose: '任意',
  minAcr: '最低认证级别',
  validUntil: '有效期至',
  forever: '—',
  deniedBy: '关闭规则',
  effect: '效果',
  resource: '资源',
  action: '操作',
  via: {
    department: '部门内角色',
    'reach-down': '向下级延伸的角色',
    delegation: '授权委托',
    everyone: '所有人',
  },
  allow: '允许',
  deny: '拒绝',
  rule: (id) => `规则 ${id}`,
  delegation: (id) => `委托 ${id}`,
  reachedFrom: (department) => `来自 ${department}`,
  errorHeading: '无法执行审查',
  notYourDepartment: '该部门不在您的管理范围内：您只能审查自己管理的部门。',
  invalid: (message) => `请检查输入：${message}。`,
};

export const REVIEW_MESSAGES: Record<Language, ReviewMessages> = { en, 'zh-CN': zh };
