import type { PasswordPolicyReason } from '../passwords/password-policy.ts';
import type { Language } from './negotiate-language.ts';

/** Scopes with a readable explanation; any other scope is shown as its literal name. */
export const KNOWN_SCOPES = [
  'openid',
  'profile',
  'email',
  'phone',
  'identity_assurance',
  'departments',
  'offline_access',
] as const;

export type KnownScope = (typeof KNOWN_SCOPES)[number];

/** OAuth / OIDC error codes with their own explanation; any other code gets the generic one. */
export const KNOWN_OAUTH_ERRORS = [
  'invalid_request',
  'invalid_client',
  'invalid_redirect_uri',
  'unauthorized_client',
  'unsupported_response_type',
  'invalid_scope',
  'access_denied',
  'login_required',
  'consent_required',
  'interaction_required',
  'invalid_grant',
  'server_error',
  'temporarily_unavailable',
] as const;

export type KnownOAuthError = (typeof KNOWN_OAUTH_ERRORS)[number];

/**
 * Every text of the sign-in pages. Messages are plain text: the pages escape
 * them, so a message never carries markup and an app name inside one is safe.
 */
export interface Messages {
  productName: string;
  skipToContent: string;
  languageSwitchLabel: string;

  loginTitle: string;
  loginContinueTo: (appName: string) => string;
  usernameLabel: string;
  passwordLabel: string;
  signIn: string;
  cancel: string;
  loginErrorHeading: string;
  loginInvalidCredentials: string;
  loginThrottled: (retryAfterSeconds: number) => string;
  loginAccountLocked: string;
  loginTemporaryPasswordExpired: string;
  loginCsrf: string;
  loginGeneric: string;
  stepUpHeading: string;
  stepUpRequired: (appName: string) => string;

  newPasswordTitle: string;
  newPasswordExplanation: string;
  newPasswordRepeat: string;
  newPasswordSave: string;
  newPasswordMismatch: string;
  newPasswordSame: string;

  secondFactorTitle: string;
  secondFactorExplanation: string;
  secondFactorCodeLabel: string;
  secondFactorCodeHint: string;
  secondFactorVerify: string;
  secondFactorInvalid: string;

  accountTitle: string;
  accountProfile: string;
  accountUsername: string;
  accountName: string;
  accountPhone: string;
  accountEmail: string;
  accountIdNumber: string;
  accountSecurity: string;
  accountTotpOn: string;
  accountTotpOff: string;
  accountTotpEnable: string;
  accountTotpDisable: string;
  accountTotpScan: string;
  accountTotpSecret: string;
  accountTotpConfirm: string;
  accountRecoveryExplanation: (remaining: number) => string;
  accountRecoveryRegenerate: string;
  accountRecoveryShownOnce: string;
  accountSignOutEverywhere: string;
  accountFreshSignIn: string;
  accountSaved: string;
  passkeySignIn: string;
  passkeyFailed: string;
  accountPasskeys: string;
  accountPasskeyNone: string;
  accountPasskeyName: string;
  accountPasskeyAdd: string;
  accountPasskeyRename: string;
  accountPasskeyRemove: string;
  accountPasskeyLastUsed: (when: string) => string;
  accountSessions: string;
  accountSessionThis: string;
  accountSessionDetails: (address: string, lastSeen: string) => string;
  accountSessionApps: (apps: string) => string;
  accountSessionSignOut: string;
  accountApps: string;
  accountAppsNone: string;
  accountAppRevoke: string;
  accountPassword: string;
  accountPasswordOn: string;
  accountPasswordNone: string;
  accountPasswordCurrent: string;
  accountPasswordNew: string;
  accountPasswordHint: string;
  accountPasswordChange: string;
  accountPasswordSet: string;
  accountPasswordRemove: string;
  accountPasswordRemoveExplanation: string;
  accountPasswordAddPasskeyFirst: string;
  accountPasswordWrong: string;
  accountPasswordPolicy: string;
  accountPasswordExists: string;
  /** Each reason a new password is refused for, as the end of "The new password cannot be used: …". */
  passwordPolicy: Readonly<Record<PasswordPolicyReason, string>>;
  accountLastMethodPasskey: string;
  accountLastMethodPassword: string;
  accountPasskeyNotFound: string;
  accountPasskeyNameInvalid: string;
  accountMethodChanged: string;
  accountSignOutOthers: string;

  consentTitle: string;
  consentAsks: (appName: string) => string;
  consentExplanation: string;
  consentDepartment: (department: string) => string;
  consentLifetime: string;
  allow: string;
  deny: string;
  scopes: Readonly<Record<KnownScope, string>>;
  unknownScope: string;

  errorTitle: string;
  errorCodeLabel: string;
  errorDetailsLabel: string;
  errorRequestIdLabel: string;
  errorAdvice: string;
  errorGeneric: string;
  oauthErrors: Readonly<Record<KnownOAuthError, string>>;

  logoutTitle: string;
  logoutHeading: string;
  logoutExplanation: string;
  logoutFrom: (appName: string) => string;
  logoutConfirm: string;
  logoutStay: string;
  loggedOutTitle: string;
  loggedOutHeading: string;
  loggedOutAdvice: string;

  /** The account page's "who looked at my data" (`/account/data-access`). */
  dataAccess: DataAccessMessages;
}

export interface DataAccessMessages {
  title: string;
  /** The account page's section that links here. */
  sectionText: string;
  sectionLink: string;
  intro: string;
  timeZone: string;
  none: string;
  department: string;
  app: string;
  official: string;
  byApp: string;
  field: string;
  purpose: string;
  outcome: string;
  unknown: string;
  outcomes: Readonly<Record<'success' | 'failure' | 'denied', string>>;
  /** Readable names of fields apps commonly name; any other is shown as named. */
  fields: Readonly<Record<string, string>>;
  report: string;
  reportNote: string;
  reported: string;
  reportRefused: string;
  exportCsv: string;
  pages: string;
  older: string;
  newest: string;
  back: string;
  /** The CSV's header row, in the page's language. */
  csvHeader: readonly string[];
}

/** Each language's name in that language, for the switch. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  'zh-CN': '简体中文',
  en: 'English',
};

function zhWait(seconds: number): string {
  if (seconds < 60) return `${seconds} 秒`;
  if (seconds < 3600) return `${Math.ceil(seconds / 60)} 分钟`;
  return `${Math.ceil(seconds / 3600)} 小时`;
}

function enWait(seconds: number): string {
  const [n, unit] =
    seconds < 60
      ? [seconds, 'second']
      : seconds < 3600
        ? [Math.ceil(seconds / 60), 'minute']
        : [Math.ceil(seconds / 3600), 'hour'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

const zhCN: Messages = {
  productName: 'OneGate 统一身份认证',
  skipToContent: '跳到主要内容',
  languageSwitchLabel: '语言',

  loginTitle: '登录',
  loginContinueTo: (app) => `登录以继续使用 ${app}`,
  usernameLabel: '用户名、手机号码或电子邮箱',
  passwordLabel: '密码',
  signIn: '登录',
  cancel: '取消',
  loginErrorHeading: '无法登录',
  loginInvalidCredentials: '用户名、手机号码、电子邮箱或密码不正确。',
  loginThrottled: (s) => `登录尝试次数过多。请在 ${zhWait(s)}后重试。`,
  loginAccountLocked: '该账号已被锁定。请联系服务台解锁。',
  loginTemporaryPasswordExpired: '这个临时密码已过期。请联系服务台获取新的临时密码。',
  loginCsrf: '登录页面已过期，请重新输入您的信息。',
  loginGeneric: '出现问题，请稍后重试。',
  stepUpHeading: '需要更高级别的登录',
  stepUpRequired: (app) => `${app} 要求更安全的登录方式。请使用密码加第二重验证，或使用通行密钥登录。`,
  newPasswordTitle: '设置您自己的密码',
  newPasswordExplanation:
    '您使用的是管理员提供的临时密码。请设置一个只有您知道的密码后继续；临时密码随即失效。',
  newPasswordRepeat: '再次输入新密码',
  newPasswordSave: '保存并继续',
  newPasswordMismatch: '两次输入的新密码不一致。',
  newPasswordSame: '新密码不能与临时密码相同。',
  secondFactorTitle: '第二重验证',
  secondFactorExplanation: '请输入身份验证器应用中显示的 6 位验证码。',
  secondFactorCodeLabel: '验证码或恢复码',
  secondFactorCodeHint: '手机不在身边时，可以输入一个恢复码（每个只能用一次）。',
  secondFactorVerify: '验证',
  secondFactorInvalid: '验证码不正确或已使用过。请输入身份验证器中当前显示的验证码。',

  accountTitle: '我的账户',
  accountProfile: '个人资料',
  accountUsername: '用户名',
  accountName: '姓名',
  accountPhone: '手机号码',
  accountEmail: '电子邮箱',
  accountIdNumber: '身份证号码',
  accountSecurity: '登录安全',
  accountTotpOn: '身份验证器应用：已启用。登录时需要输入验证码。',
  accountTotpOff: '身份验证器应用：未启用。启用后，登录可达到“较高”安全级别。',
  accountTotpEnable: '启用身份验证器',
  accountTotpDisable: '停用身份验证器',
  accountTotpScan: '用身份验证器应用扫描此二维码，或手动输入下面的密钥，然后输入应用显示的验证码。',
  accountTotpSecret: '密钥',
  accountTotpConfirm: '确认启用',
  accountRecoveryExplanation: (n) => `恢复码：还剩 ${n} 个可用。手机丢失时可用恢复码登录，每个只能用一次。`,
  accountRecoveryRegenerate: '生成新的恢复码',
  accountRecoveryShownOnce: '请现在抄写或打印这些恢复码：它们只显示这一次，旧的恢复码已失效。',
  accountSignOutEverywhere: '在所有服务中退出登录',
  accountFreshSignIn: '为保护您的账户，更改登录方式前请重新登录。',
  accountSaved: '已保存。',
  passkeySignIn: '使用通行密钥登录',
  passkeyFailed: '未能使用通行密钥登录。请重试，或使用密码登录。',
  accountPasskeys: '通行密钥',
  accountPasskeyNone: '尚未添加通行密钥。通行密钥可以代替密码，登录达到“较高”安全级别。',
  accountPasskeyName: '通行密钥名称（例如“我的手机”）',
  accountPasskeyAdd: '添加通行密钥',
  accountPasskeyRename: '重命名',
  accountPasskeyRemove: '删除',
  accountPasskeyLastUsed: (when) => `最近使用：${when}`,
  accountSessions: '已登录的设备',
  accountSessionThis: '（当前设备）',
  accountSessionDetails: (address, lastSeen) => `地址 ${address}，最近活动 ${lastSeen}`,
  accountSessionApps: (apps) => `已登录的服务：${apps}`,
  accountSessionSignOut: '退出此设备',
  accountApps: '已授权的应用',
  accountAppsNone: '尚无已授权的应用。',
  accountAppRevoke: '撤销授权',
  accountPassword: '密码',
  accountPasswordOn: '您可以使用密码登录。',
  accountPasswordNone: '您的账户没有密码，只能使用通行密钥登录。',
  accountPasswordCurrent: '当前密码',
  accountPasswordNew: '新密码',
  accountPasswordHint: '至少 12 个字符。几个互不相关的词语组成的密码容易记住，也难以被猜到。',
  accountPasswordChange: '修改密码',
  accountPasswordSet: '设置密码',
  accountPasswordRemove: '删除密码',
  accountPasswordRemoveExplanation: '您已添加通行密钥，可以不用密码登录。删除密码后，只能使用通行密钥登录。',
  accountPasswordAddPasskeyFirst: '如需不用密码登录，请先添加通行密钥。',
  accountPasswordWrong: '当前密码不正确，未做任何更改。',
  accountPasswordPolicy: '新密码不能使用：',
  accountPasswordExists: '您的账户已有密码。如需修改，请在下方输入当前密码和新密码。',
  passwordPolicy: {
    too_short: '少于 12 个字符',
    too_long: '超过 128 个字符',
    common: '属于最常用的密码',
    contains_identifier: '包含您的用户名、电子邮箱或手机号码',
    context_words: '只由本服务、部门名称之类的词语和数字组成',
    repetitive: '不同的字符太少',
  },
  accountLastMethodPasskey: '这是您账户唯一的登录方式，因此没有删除。请先设置密码或添加另一个通行密钥。',
  accountLastMethodPassword: '密码是您账户唯一的登录方式，因此没有删除。请先添加通行密钥。',
  accountPasskeyNotFound: '您的账户中没有这个通行密钥（可能已经删除）。',
  accountPasskeyNameInvalid: '通行密钥名称为 1 到 64 个字符。',
  accountMethodChanged:
    '已保存。您的登录方式已更改：如果担心他人可能登录了您的账户，请同时退出其他设备上的登录。',
  accountSignOutOthers: '退出其他设备上的登录',

  consentTitle: '授权',
  consentAsks: (app) => `${app} 请求：`,
  consentExplanation: '只有在您允许后，该应用才能获得上述信息。您也可以拒绝。',
  consentDepartment: (department) => `该应用属于：${department}`,
  consentLifetime: '这项授权在您撤回之前有效，最长一年；退出登录后再次使用时会重新询问。',
  allow: '允许',
  deny: '拒绝',
  scopes: {
    openid: '确认您的身份（您的 OneGate 账号标识）',
    profile: '获取您的姓名和基本资料',
    email: '获取您的电子邮箱地址',
    phone: '获取您的手机号码',
    identity_assurance: '获取您的身份核验等级',
    departments: '获取您所属的部门',
    offline_access: '在您不使用该应用时继续访问上述信息',
  },
  unknownScope: '其他权限：',

  errorTitle: '出错了',
  errorCodeLabel: '错误代码',
  errorDetailsLabel: '详细信息',
  errorRequestIdLabel: '请求编号',
  errorAdvice: '请返回您正在使用的应用后重试。如果问题仍然存在，请联系服务台并提供上述错误代码。',
  errorGeneric: '无法完成您的请求。',
  oauthErrors: {
    invalid_request: '该应用发出的登录请求无效。',
    invalid_client: '该应用未在 OneGate 注册或已被停用。',
    invalid_redirect_uri: '该应用提供的返回地址未经登记，为保护您的安全，登录已停止。',
    unauthorized_client: '该应用无权使用这种登录方式。',
    unsupported_response_type: '该应用请求了不受支持的登录方式。',
    invalid_scope: '该应用请求了无效或未获许可的权限。',
    access_denied: '访问被拒绝。',
    login_required: '您需要先登录。',
    consent_required: '需要您先同意授权。',
    interaction_required: '需要您进行操作才能继续。',
    invalid_grant: '登录已过期或已被使用，请重新开始。',
    server_error: 'OneGate 出现内部错误。',
    temporarily_unavailable: 'OneGate 暂时无法使用，请稍后重试。',
  },

  logoutTitle: '退出登录',
  logoutHeading: '要退出所有政务服务吗？',
  logoutExplanation: '您将退出 OneGate 以及通过 OneGate 登录的所有政务服务。',
  logoutFrom: (app) => `此请求来自 ${app}。`,
  logoutConfirm: '是，全部退出',
  logoutStay: '否，保持登录',
  loggedOutTitle: '已退出登录',
  loggedOutHeading: '您已退出所有服务',
  loggedOutAdvice: '如果您使用的是公共或共享设备，请关闭所有浏览器窗口。',

  dataAccess: {
    title: '谁查看了我的数据',
    sectionText: '政府部门的工作人员和应用每次查看或解密您的个人数据，都会记录在审计日志中。',
    sectionLink: '查看谁查看了我的数据',
    intro:
      '以下是审计日志中记录的、他人对您个人数据的每一次访问，最新的在前。如有您认为不应发生的访问，请举报，安全管理员将进行核查。',
    timeZone: '时间为北京时间（UTC+8）。',
    none: '审计日志中没有他人访问您个人数据的记录。',
    department: '部门',
    app: '应用',
    official: '工作人员',
    byApp: '应用自动处理（非工作人员）',
    field: '数据项',
    purpose: '声明的用途',
    outcome: '结果',
    unknown: '—',
    outcomes: { success: '已访问', failure: '未成功', denied: '被拒绝' },
    fields: { id_number: '身份证号', phone: '手机号码', email: '电子邮箱', name: '姓名', address: '住址' },
    report: '举报此次访问可疑',
    reportNote: '说明（可选）',
    reported: '已收到您的举报并记入审计日志，安全管理员将进行核查。',
    reportRefused: '无法举报该记录：它不是对您数据的访问。',
    exportCsv: '导出为 CSV 文件',
    pages: '翻页',
    older: '更早的记录',
    newest: '返回最新记录',
    back: '返回我的账户',
    csvHeader: [
      '时间（北京时间）',
      '部门',
      '应用',
      '工作人员',
      '工号',
      '数据项',
      '资源',
      '用途',
      '结果',
      '日志序号',
    ],
  },
};

const en: Messages = {
  productName: 'OneGate sign-in',
  skipToContent: 'Skip to main content',
  languageSwitchLabel: 'Language',

  loginTitle: 'Sign in',
  loginContinueTo: (app) => `Sign in to continue to ${app}`,
  usernameLabel: 'Username, phone number or e-mail',
  passwordLabel: 'Password',
  signIn: 'Sign in',
  cancel: 'Cancel',
  loginErrorHeading: 'You could not be signed in',
  loginInvalidCredentials: 'The username, phone number, e-mail or password is incorrect.',
  loginThrottled: (s) => `Too many sign-in attempts. Try again in ${enWait(s)}.`,
  loginAccountLocked: 'This account is locked. Contact the service desk to unlock it.',
  loginTemporaryPasswordExpired:
    'This temporary password has expired. Contact the service desk for a new one.',
  loginCsrf: 'The sign-in page expired. Enter your details again.',
  loginGeneric: 'Something went wrong. Try again later.',
  stepUpHeading: 'A stronger sign-in is needed',
  stepUpRequired: (app) =>
    `${app} needs a more secure sign-in. Sign in with your password and a second factor, or with a passkey.`,

  newPasswordTitle: 'Choose your own password',
  newPasswordExplanation:
    'You signed in with a temporary password from an administrator. Choose a password only you know to continue; the temporary one then stops working.',
  newPasswordRepeat: 'Repeat the new password',
  newPasswordSave: 'Save and continue',
  newPasswordMismatch: 'The two new passwords are not the same.',
  newPasswordSame: 'The new password must not be the temporary one.',
  secondFactorTitle: 'Second step',
  secondFactorExplanation: 'Enter the 6-digit code your authenticator app shows now.',
  secondFactorCodeLabel: 'Code or recovery code',
  secondFactorCodeHint: 'Without your phone, enter one of your recovery codes (each works once).',
  secondFactorVerify: 'Verify',
  secondFactorInvalid: 'That code is wrong or was already used. Enter the code your authenticator shows now.',

  accountTitle: 'Your account',
  accountProfile: 'Profile',
  accountUsername: 'Username',
  accountName: 'Name',
  accountPhone: 'Phone number',
  accountEmail: 'E-mail',
  accountIdNumber: 'ID number',
  accountSecurity: 'Sign-in security',
  accountTotpOn: 'Authenticator app: on. Sign-ins ask for its code.',
  accountTotpOff: 'Authenticator app: off. Turn it on to reach the substantial sign-in level.',
  accountTotpEnable: 'Turn on the authenticator app',
  accountTotpDisable: 'Turn off the authenticator app',
  accountTotpScan:
    'Scan this code with your authenticator app, or type the key below, then enter the code the app shows.',
  accountTotpSecret: 'Key',
  accountTotpConfirm: 'Confirm',
  accountRecoveryExplanation: (n) =>
    `Recovery codes: ${n} left. Use one to sign in if you lose your phone; each works once.`,
  accountRecoveryRegenerate: 'Make new recovery codes',
  accountRecoveryShownOnce:
    'Write these down or print them now: they are shown only once, and your old codes no longer work.',
  accountSignOutEverywhere: 'Sign out of every service',
  accountFreshSignIn: 'To protect your account, sign in again before changing how you sign in.',
  accountSaved: 'Saved.',
  passkeySignIn: 'Sign in with a passkey',
  passkeyFailed: 'Signing in with a passkey did not work. Try again, or use your password.',
  accountPasskeys: 'Passkeys',
  accountPasskeyNone:
    'No passkeys yet. A passkey replaces the password and signs you in at the substantial level.',
  accountPasskeyName: 'Passkey name (e.g. "My phone")',
  accountPasskeyAdd: 'Add a passkey',
  accountPasskeyRename: 'Rename',
  accountPasskeyRemove: 'Remove',
  accountPasskeyLastUsed: (when) => `Last used: ${when}`,
  accountSessions: 'Where you are signed in',
  accountSessionThis: '(this device)',
  accountSessionDetails: (address, lastSeen) => `From ${address}, last active ${lastSeen}`,
  accountSessionApps: (apps) => `Signed in to: ${apps}`,
  accountSessionSignOut: 'Sign out this device',
  accountApps: 'Connected apps',
  accountAppsNone: 'No connected apps yet.',
  accountAppRevoke: 'Remove access',
  accountPassword: 'Password',
  accountPasswordOn: 'You can sign in with your password.',
  accountPasswordNone: 'Your account has no password: you sign in with a passkey.',
  accountPasswordCurrent: 'Current password',
  accountPasswordNew: 'New password',
  accountPasswordHint:
    'At least 12 characters. A few unrelated words are easy to remember and hard to guess.',
  accountPasswordChange: 'Change password',
  accountPasswordSet: 'Set a password',
  accountPasswordRemove: 'Remove password',
  accountPasswordRemoveExplanation:
    'You have a passkey, so you can sign in without a password. Once the password is removed, only your passkeys sign you in.',
  accountPasswordAddPasskeyFirst: 'To sign in without a password, add a passkey first.',
  accountPasswordWrong: 'The current password is not correct. Nothing was changed.',
  accountPasswordPolicy: 'The new password cannot be used:',
  accountPasswordExists:
    'Your account already has a password. To change it, enter the current and the new one below.',
  passwordPolicy: {
    too_short: 'it has fewer than 12 characters',
    too_long: 'it has more than 128 characters',
    common: 'it is one of the most common passwords',
    contains_identifier: 'it contains your username, e-mail address or phone number',
    context_words: 'it is made only of words such as the service or department names, with digits',
    repetitive: 'it has too few different characters',
  },
  accountLastMethodPasskey:
    'This passkey is the only way left to sign in to your account, so it was not removed. Set a password or add another passkey first.',
  accountLastMethodPassword:
    'Your password is the only way to sign in to your account, so it was not removed. Add a passkey first.',
  accountPasskeyNotFound: 'That passkey is not on your account (it may have been removed already).',
  accountPasskeyNameInvalid: 'A passkey name is 1 to 64 characters.',
  accountMethodChanged:
    'Saved. How you sign in has changed: if you are worried someone else may be signed in to your account, sign out of your other sessions too.',
  accountSignOutOthers: 'Sign out of your other sessions',

  consentTitle: 'Allow access',
  consentAsks: (app) => `${app} asks to:`,
  consentExplanation: 'The app gets this only if you allow it. You can deny.',
  consentDepartment: (department) => `This app belongs to: ${department}`,
  consentLifetime:
    'This permission lasts until you withdraw it, at most one year; after you sign out everywhere you are asked again.',
  allow: 'Allow',
  deny: 'Deny',
  scopes: {
    openid: 'Confirm who you are (your OneGate account identifier)',
    profile: 'See your name and basic profile',
    email: 'See your e-mail address',
    phone: 'See your phone number',
    identity_assurance: 'See how strongly your identity has been verified',
    departments: 'See the departments you belong to',
    offline_access: 'Keep access to these details while you are not using the app',
  },
  unknownScope: 'Other permission:',

  errorTitle: 'Something went wrong',
  errorCodeLabel: 'Error code',
  errorDetailsLabel: 'Details',
  errorRequestIdLabel: 'Request ID',
  errorAdvice:
    'Go back to the app you were using and try again. If the problem continues, contact the service desk and give them the error code above.',
  errorGeneric: 'Your request could not be completed.',
  oauthErrors: {
    invalid_request: 'The app sent an invalid sign-in request.',
    invalid_client: 'The app is not registered with OneGate or has been disabled.',
    invalid_redirect_uri:
      'The app gave a return address that is not registered, so sign-in was stopped to protect you.',
    unauthorized_client: 'The app is not allowed to use this way of signing in.',
    unsupported_response_type: 'The app asked for a way of signing in that is not supported.',
    invalid_scope: 'The app asked for permissions that are invalid or not allowed.',
    access_denied: 'Access was denied.',
    login_required: 'You need to sign in first.',
    consent_required: 'Your permission is needed first.',
    interaction_required: 'You need to take an action before you can continue.',
    invalid_grant: 'The sign-in has expired or was already used. Start again.',
    server_error: 'OneGate had an internal error.',
    temporarily_unavailable: 'OneGate is temporarily unavailable. Try again later.',
  },

  logoutTitle: 'Sign out',
  logoutHeading: 'Sign out of all government services?',
  logoutExplanation:
    'You will be signed out of OneGate and of every government service you signed in to with it.',
  logoutFrom: (app) => `This request comes from ${app}.`,
  logoutConfirm: 'Yes, sign out everywhere',
  logoutStay: 'No, stay signed in',
  loggedOutTitle: 'Signed out',
  loggedOutHeading: 'You have signed out of every service',
  loggedOutAdvice: 'If you are using a public or shared device, close every browser window.',

  dataAccess: {
    title: 'Who looked at my data',
    sectionText:
      'Every time an official or an app of a government department sees or decrypts your personal data, the audit log records it.',
    sectionLink: 'See who looked at my data',
    intro:
      'Every access by others to your personal data recorded in the audit log, newest first. Report any you think should not have happened: security officers will look into it.',
    timeZone: 'Times are China Standard Time (UTC+8).',
    none: 'The audit log records no access by others to your personal data.',
    department: 'Department',
    app: 'App',
    official: 'Official',
    byApp: 'The app itself (no official)',
    field: 'Data',
    purpose: 'Stated purpose',
    outcome: 'Outcome',
    unknown: '—',
    outcomes: { success: 'Accessed', failure: 'Did not succeed', denied: 'Refused' },
    fields: {
      id_number: 'ID number',
      phone: 'Phone number',
      email: 'E-mail address',
      name: 'Name',
      address: 'Address',
    },
    report: 'Report this access as suspicious',
    reportNote: 'Note (optional)',
    reported: 'Your report is recorded in the audit log: security officers will look into it.',
    reportRefused: 'That record cannot be reported: it is not an access to your data.',
    exportCsv: 'Export as CSV',
    pages: 'Pages',
    older: 'Older accesses',
    newest: 'Back to the newest',
    back: 'Back to your account',
    csvHeader: [
      'time (UTC+8)',
      'department',
      'app',
      'official',
      'staff id',
      'data',
      'resource',
      'purpose',
      'outcome',
      'log index',
    ],
  },
};

export const MESSAGES: Readonly<Record<Language, Messages>> = { 'zh-CN': zhCN, en };
