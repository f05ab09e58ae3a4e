import type { Language } from '@onegate/identity';
import type { DelegationState } from './delegation-status.ts';
import type { DelegationFormValues } from './delegation-form.ts';

/** Texts of the delegations page. Plain text: the page escapes them. */
export interface DelegationMessages {
  title: string;
  intro: string;
  readOnly: string;
  listHeading: string;
  none: string;
  id: string;
  sharing: string;
  sharingText: (from: string, to: string, role: string) => string;
  scope: string;
  window: string;
  status: string;
  people: string;
  createdBy: (who: string) => string;
  approvedBy: (who: string) => string;
  reason: string;
  states: Record<DelegationState, string>;
  expiresIn: (days: number) => string;
  approve: string;
  revoke: string;
  revokeReason: string;
  createHeading: string;
  createIntro: string;
  labels: Record<keyof DelegationFormValues, string>;
  hints: Partial<Record<keyof DelegationFormValues, string>>;
  create: string;
  done: Record<'created' | 'approved' | 'revoked', (id: string) => string>;
  errorHeading: string;
  notOwner: (department: string) => string;
  badDate: string;
  refused: (message: string) => string;
}

const en: DelegationMessages = {
  title: 'Delegations',
  intro:
    'Data-sharing agreements between departments. A delegation takes effect only once an administrator of the sharing department other than its author approves it (two-person rule).',
  readOnly:
    'You can see delegations; creating, approving and revoking them is for administrators of the sharing department.',
  listHeading: 'Delegations',
  none: 'No delegations.',
  id: 'Delegation',
  sharing: 'Shared',
  sharingText: (from, to, role) => `${from} → ${to} (role ${role})`,
  scope: 'Resources, actions, purposes',
  window: 'Valid',
  status: 'Status',
  people: 'By',
  createdBy: (who) => `created by ${who}`,
  approvedBy: (who) => `approved by ${who}`,
  reason: 'Reason',
  states: {
    pending: 'Pending approval',
    scheduled: 'Approved, not yet in force',
    active: 'Active',
    expiring: 'Expiring soon',
    expired: 'Expired',
    revoked: 'Revoked',
  },
  expiresIn: (days) => `ends in ${days} day${days === 1 ? '' : 's'}`,
  approve: 'Approve',
  revoke: 'Revoke',
  revokeReason: 'Reason for revoking (optional)',
  createHeading: 'New delegation',
  createIntro: 'It stays pending until another administrator of the sharing department approves it.',
  labels: {
    id: 'Id (optional)',
    fromDepartment: 'Sharing department',
    toDepartment: 'Receiving department',
    toRole: 'Receiving role',
    resources: 'Resources',
    actions: 'Actions',
    purposes: 'Purposes',
    notBefore: 'Valid from (UTC date)',
    expiresAt: 'Ends on (UTC date, at 00:00)',
    minAcr: 'Least sign-in level',
    reason: 'Reason',
  },
  hints: {
    id: 'letters, digits and -; made up when empty',
    toRole: 'a role of the receiving department, e.g. clerk',
    resources: 'one per line, e.g. civil-affairs/marriage-records/*',
    actions: 'comma-separated, e.g. read',
    purposes: 'comma-separated, e.g. case-handling; never *',
    reason: 'the legal basis or agreement, for the record',
  },
  create: 'Create (pending approval)',
  done: {
    created: (id) => `Delegation ${id} created; it waits for another administrator's approval.`,
    approved: (id) => `Delegation ${id} approved.`,
    revoked: (id) => `Delegation ${id} revoked; no decision uses it any more.`,
  },
  errorHeading: 'Nothing was changed',
  notOwner: (department) => `Only administrators of ${department} can do this.`,
  badDate: 'Enter dates as YYYY-MM-DD.',
  refused: (message) => `Refused: ${message}.`,
};

const zh: DelegationMessages = {
  title: '授权委托',
  intro: '部门之间的数据共享协议。委托须由共享部门中作者以外的另一名管理员批准后才生效（双人规则）。',
  readOnly: '您可以查看委托；创建、批准和撤销由共享部门的管理员进行。',
  listHeading: '委托列表',
  none: '没有委托。',
  id: '委托',
  sharing: '共享关系',
  sharingText: (from, to, role) => `${from} → ${to}（角色 ${role}）`,
  scope: '资源、操作、目的',
  window: '有效期',
  status: '状态',
  people: '经办人',
  createdBy: (who) => `创建人 ${who}`,
  approvedBy: (who) => `批准人 ${who}`,
  reason: '理由',
  states: {
    pending: '待批准',
    scheduled: '已批准，尚未生效',
    active: '生效中',
    expiring: '即将到期',
    expired: '已过期',
    revoked: '已撤销',
  },
  expiresIn: (days) => `${days} 天后到期`,
  approve: '批准',
  revoke: '撤销',
  revokeReason: '撤销理由（可选）',
  createHeading: '新建委托',
  createIntro: '新建后处于待批准状态，须由共享部门的另一名管理员批准。',
  labels: {
    id: '编号（可选）',
    fromDepartment: '共享部门',
    toDepartment: '接收部门',
    toRole: '接收角色',
    resources: '资源',
    actions: '操作',
    purposes: '目的',
    notBefore: '生效日期（UTC）',
    expiresAt: '截止日期（UTC，当日 0 时结束）',
    minAcr: '最低认证级别',
    reason: '理由',
  },
  hints: {
    id: '字母、数字和 -；留空则自动生成',
    toRole: '接收部门的角色，例如 clerk',
    resources: '每行一个，例如 civil-affairs/marriage-records/*',
    actions: '以逗号分隔，例如 read',
    purposes: '以逗号分隔，例如 case-handling；不可为 *',
    reason: '法律依据或协议，用于留档',
  },
  create: '创建（待批准）',
  done: {
    created: (id) => `已创建委托 ${id}，等待另一名管理员批准。`,
    approved: (id) => `已批准委托 ${id}。`,
    revoked: (id) => `已撤销委托 ${id}，此后任何决策都不再使用它。`,
  },
  errorHeading: '未做任何更改',
  notOwner: (department) => `只有 ${department} 的管理员可以执行此操作。`,
  badDate: '请按 YYYY-MM-DD 格式输入日期。',
  refused: (message) => `被拒绝：${message}。`,
};

export const DELEGATION_MESSAGES: Record<Language, DelegationMessages> = { en, 'zh-CN': zh };
