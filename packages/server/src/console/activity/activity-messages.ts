import type { Language } from '@onegate/identity';
import type { SeriesKey } from './activity-counts.ts';

/** Texts of the activity overview. Plain text: the page escapes them. */
export interface ActivityMessages {
  title: string;
  intro: (days: number) => string;
  partial: (max: number) => string;
  scopeDepartments: (departments: string) => string;
  alertsHeading: string;
  noAlerts: string;
  series: Record<SeriesKey, string>;
  chartDesc: (series: string, days: number, total: number) => string;
  legend: string;
  dataTable: string;
  department: string;
  total: string;
  noDepartment: string;
  noEvents: string;
  burstAccount: (account: string, count: number, minutes: number) => string;
  burstAddress: (address: string, count: number, minutes: number) => string;
  decryptSpike: (actor: string, count: number, median: number, day: string) => string;
  purposeMiss: (
    subject: string,
    count: number,
    action: string,
    resource: string,
    purpose: string,
    delegation: string,
  ) => string;
  noPurpose: string;
  alertWhen: string;
  alertWhat: string;
  alertDepartment: string;
  thresholds: string;
  thresholdsText: (burst: number, minutes: number, factor: number, minimum: number, days: number) => string;
}

const en: ActivityMessages = {
  title: 'Activity',
  intro: (days) =>
    `Counted from the audit log over the last ${days} days (UTC days, today on the right). Each bar is one day, coloured by department.`,
  partial: (max) =>
    `Some actions had more than ${max} events in this period: their counts are a lower bound. Use the audit search for the full record.`,
  scopeDepartments: (departments) => `Showing only your departments: ${departments}.`,
  alertsHeading: 'Alerts',
  noAlerts: 'No alerts in this period.',
  series: {
    signIns: 'Sign-ins',
    signInFailures: 'Failed sign-ins',
    denies: 'Authorization denies',
    decrypts: 'Decrypts of personal data',
  },
  chartDesc: (series, days, total) => `${series} per department per day, last ${days} days: ${total} in all.`,
  legend: 'Departments',
  dataTable: 'Numbers as a table',
  department: 'Department',
  total: 'Total',
  noDepartment: 'No department',
  noEvents: 'None in this period.',
  burstAccount: (account, count, minutes) =>
    `${count} failed sign-ins for account ${account}, each within ${minutes} minutes of the others.`,
  burstAddress: (address, count, minutes) =>
    `${count} failed sign-ins from address ${address}, each within ${minutes} minutes of the others.`,
  decryptSpike: (actor, count, median, day) =>
    `${actor} decrypted ${count} records on ${day}; their usual day is ${median}.`,
  purposeMiss: (subject, count, action, resource, purpose, delegation) =>
    `${subject} was refused ${count} time(s) to ${action} ${resource} for purpose ${purpose}, which delegation ${delegation} does not cover.`,
  noPurpose: '(none given)',
  alertWhen: 'When',
  alertWhat: 'What',
  alertDepartment: 'Department',
  thresholds: 'When alerts fire',
  thresholdsText: (burst, minutes, factor, minimum, days) =>
    `${burst} or more failed sign-ins for one account or from one address within ${minutes} minutes; one person decrypting more than ${factor} times their median day of the ${days} days before, and at least ${minimum}; a deny where a delegation covers the person, the resource and the action but not the purpose (checked against the policy in force now).`,
};

const zh: ActivityMessages = {
  title: '活动概览',
  intro: (days) =>
    `根据审计日志统计最近 ${days} 天（按 UTC 日期，今天在最右侧）。每根柱子为一天，按部门着色。`,
  partial: (max) => `本期间有些操作的事件超过 ${max} 条：其计数为下限。完整记录请使用审计查询。`,
  scopeDepartments: (departments) => `仅显示您管理的部门：${departments}。`,
  alertsHeading: '告警',
  noAlerts: '本期间没有告警。',
  series: {
    signIns: '登录',
    signInFailures: '登录失败',
    denies: '授权拒绝',
    decrypts: '个人数据解密',
  },
  chartDesc: (series, days, total) => `最近 ${days} 天每个部门每天的${series}：共 ${total} 次。`,
  legend: '部门',
  dataTable: '以表格查看数据',
  department: '部门',
  total: '合计',
  noDepartment: '无部门',
  noEvents: '本期间没有。',
  burstAccount: (account, count, minutes) =>
    `账号 ${account} 登录失败 ${count} 次，每次与其他失败相隔不超过 ${minutes} 分钟。`,
  burstAddress: (address, count, minutes) =>
    `地址 ${address} 登录失败 ${count} 次，每次与其他失败相隔不超过 ${minutes} 分钟。`,
  decryptSpike: (actor, count, median, day) =>
    `${actor} 于 ${day} 解密了 ${count} 条记录；其日常中位数为 ${median}。`,
  purposeMiss: (subject, count, action, resource, purpose, delegation) =>
    `${subject} 以目的 ${purpose} 对 ${resource} 执行 ${action} 被拒绝 ${count} 次，委托 ${delegation} 不涵盖该目的。`,
  noPurpose: '（未提供）',
  alertWhen: '时间',
  alertWhat: '内容',
  alertDepartment: '部门',
  thresholds: '告警触发条件',
  thresholdsText: (burst, minutes, factor, minimum, days) =>
    `同一账号或同一地址在 ${minutes} 分钟内登录失败 ${burst} 次及以上；某人一天的解密次数超过其前 ${days} 天日中位数的 ${factor} 倍且不少于 ${minimum} 次；某次拒绝中，委托涵盖了该人员、资源和操作，但不涵盖所述目的（按当前生效的策略判断）。`,
};

export const ACTIVITY_MESSAGES: Record<Language, ActivityMessages> = { en, 'zh-CN': zh };
