import type { Language } from '@onegate/identity';

export type ConsoleSection = 'audit' | 'integrity' | 'review' | 'delegations' | 'activity';

/** The console shell's texts; each section keeps its own messages beside its routes. Plain text, escaped when shown. */
export interface ShellMessages {
  productName: string;
  consoleName: string;
  skipToContent: string;
  languageSwitchLabel: string;
  navLabel: string;
  sections: Record<ConsoleSection, string>;
  signedInAs: (username: string) => string;
  signOut: string;
  forbiddenTitle: string;
  forbiddenBody: string;
  forbiddenHint: string;
  signInFailedTitle: string;
  signInFailedBody: string;
  tryAgain: string;
  expiredForm: string;
  tooManyTitle: string;
  tooManyBody: (seconds: number) => string;
}

export const SHELL_MESSAGES: Record<Language, ShellMessages> = {
  'zh-CN': {
    productName: 'OneGate',
    consoleName: '安全管理控制台',
    skipToContent: '跳到主要内容',
    languageSwitchLabel: '语言',
    navLabel: '控制台导航',
    sections: {
      audit: '审计查询',
      integrity: '完整性',
      review: '访问审查',
      delegations: '授权委托',
      activity: '活动概览',
    },
    signedInAs: (username) => `已登录：${username}`,
    signOut: '退出登录',
    forbiddenTitle: '无权访问控制台',
    forbiddenBody: '您的账户没有安全员（security-officer）或部门管理员（department-admin）角色。',
    forbiddenHint: '如需访问，请联系 OneGate 平台的安全负责人为您分配角色。',
    signInFailedTitle: '登录未完成',
    signInFailedBody: '登录已取消或未达到控制台要求的认证级别（需要第二因素）。',
    tryAgain: '重新登录',
    expiredForm: '页面已过期，请刷新后重试。',
    tooManyTitle: '请求过于频繁',
    tooManyBody: (seconds) => `一分钟内的请求已达上限，请在 ${seconds} 秒后重试。`,
  },
  en: {
    productName: 'OneGate',
    consoleName: 'Security console',
    skipToContent: 'Skip to main content',
    languageSwitchLabel: 'Language',
    navLabel: 'Console sections',
    sections: {
      audit: 'Audit search',
      integrity: 'Integrity',
      review: 'Access review',
      delegations: 'Delegations',
      activity: 'Activity',
    },
    signedInAs: (username) => `Signed in as ${username}`,
    signOut: 'Sign out',
    forbiddenTitle: 'No access to the console',
    forbiddenBody: 'Your account holds neither the security-officer nor the department-admin role.',
    forbiddenHint: "To get access, ask OneGate's platform security lead to grant you a role.",
    signInFailedTitle: 'Sign-in not completed',
    signInFailedBody:
      'The sign-in was cancelled or did not reach the level the console needs (a second factor).',
    tryAgain: 'Sign in again',
    expiredForm: 'This page expired; reload it and try again.',
    tooManyTitle: 'Too many requests',
    tooManyBody: (seconds) =>
      `You have reached the console's requests for this minute. Try again in ${seconds} seconds.`,
  },
};
