export { html, raw, escapeHtml, type HtmlValue, type SafeHtml } from './html.ts';
export { STYLESHEET, STYLESHEET_PATH, STYLESHEET_URL, STYLESHEET_VERSION } from './stylesheet.ts';
export {
  negotiateLanguage,
  isValidLangQuery,
  languageFromTag,
  DEFAULT_LANGUAGE,
  LANGUAGES,
  LANG_COOKIE,
  LANG_QUERY_PARAM,
  type Language,
  type LanguageSources,
} from './negotiate-language.ts';
export { languageSwitchUrl } from './language-switch.ts';
export {
  MESSAGES,
  LANGUAGE_NAMES,
  KNOWN_SCOPES,
  KNOWN_OAUTH_ERRORS,
  type Messages,
  type KnownScope,
  type KnownOAuthError,
} from './messages.ts';
export type { PageContext } from './layout.ts';
export { loginPage, type LoginPageModel, type LoginError, type LoginErrorCode } from './login-page.ts';
export { consentPage, type ConsentPageModel } from './consent-page.ts';
export { secondFactorPage, type SecondFactorPageModel } from './second-factor-page.ts';
export { newPasswordPage, type NewPasswordError, type NewPasswordPageModel } from './new-password-page.ts';
export {
  accountPage,
  type AccountNotice,
  type AccountPageModel,
  type PasswordFormError,
} from './account-page.ts';
export { errorPage, type ErrorPageModel } from './error-page.ts';
export {
  dataAccessPage,
  type DataAccessPageModel,
  type DataAccessRow,
  type DataAccessNotice,
} from './data-access-page.ts';
export {
  logoutConfirmPage,
  loggedOutPage,
  type LogoutConfirmPageModel,
  type LoggedOutPageModel,
} from './logout-pages.ts';
