import { createHash } from 'node:crypto';

/**
 * The one stylesheet of the sign-in pages, served by us so the CSP can say
 * `style-src 'self'` and forbid inline styles. Single column, 16px inputs (so
 * phones do not zoom), 48px touch targets, a yellow-and-black focus ring that
 * shows on white and on the blue header alike, and contrast of at least 4.5:1.
 */
export const STYLESHEET = `*,
*::before,
*::after {
  box-sizing: border-box;
}

/* Element rules below (input display: block) would otherwise show what the hidden attribute hides. */
[hidden] {
  display: none !important;
}

html {
  font-size: 100%;
  -webkit-text-size-adjust: 100%;
  text-size-adjust: 100%;
}

body {
  margin: 0;
  font-family:
    system-ui, -apple-system, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei',
    'Noto Sans CJK SC', 'Noto Sans SC', sans-serif;
  font-size: 1rem;
  line-height: 1.6;
  color: #1b1b1b;
  background: #f3f5f8;
}

a {
  color: #0b4f9c;
  text-decoration: underline;
  text-underline-offset: 0.15em;
}

a:hover {
  color: #083d7a;
  text-decoration-thickness: 2px;
}

a:focus-visible,
button:focus-visible,
input:focus-visible,
select:focus-visible,
textarea:focus-visible,
summary:focus-visible {
  outline: 3px solid #ffd100;
  outline-offset: 0;
  box-shadow: 0 0 0 6px #1b1b1b;
}

.skip-link {
  position: absolute;
  left: 0.5rem;
  top: -10rem;
  z-index: 10;
  padding: 0.75rem 1rem;
  background: #fff;
  color: #0b4f9c;
  font-weight: 600;
}

.skip-link:focus {
  top: 0.5rem;
}

.site-header {
  background: #0b4f9c;
  color: #fff;
}

.site-header-inner {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  justify-content: space-between;
  gap: 0.25rem 1rem;
  max-width: 28rem;
  margin: 0 auto;
  padding: 0.25rem 1rem;
}

.product-name {
  margin: 0;
  font-size: 1.125rem;
  font-weight: 700;
}

.lang-switch ul {
  display: flex;
  gap: 0.25rem;
  /* The links' padding stays a touch target but their text lines up with the page's edges. */
  margin: 0 -0.75rem;
  padding: 0;
  list-style: none;
}

.lang-switch a,
.lang-switch span {
  display: inline-flex;
  align-items: center;
  min-height: 2.75rem;
  padding: 0 0.75rem;
}

.lang-switch a {
  color: #fff;
}

.lang-switch span {
  font-weight: 700;
}

.page {
  max-width: 28rem;
  margin: 0 auto;
  padding: 1.5rem 1rem 3rem;
}

.card {
  padding: 1.5rem 1.25rem;
  background: #fff;
  border: 1px solid #d0d5dd;
  border-radius: 8px;
}

h1 {
  margin: 0 0 0.5rem;
  font-size: 1.5rem;
  line-height: 1.3;
}

h2 {
  margin: 0 0 0.25rem;
  font-size: 1.125rem;
  line-height: 1.4;
}

p {
  margin: 0 0 1rem;
}

.lead {
  color: #4a5260;
}

.notice {
  margin: 0 0 1.5rem;
  padding: 1rem;
  border-left: 6px solid #0b4f9c;
  background: #eef4fb;
}

.notice p {
  margin: 0;
}

.notice > * + *,
.notice ul {
  margin: 0.75rem 0 0;
}

.notice-error {
  border-left-color: #b3261e;
  background: #fdf1f0;
}

.qr svg {
  display: block;
  width: 12rem;
  height: 12rem;
  margin: 0 0 1rem;
}

.profile dt {
  font-weight: 600;
}

.profile dd {
  margin: 0 0 0.75rem;
}

.recovery-codes {
  columns: 2;
  font-size: 1.0625rem;
}

.hint {
  margin: 0.25rem 0 0;
  font-size: 0.9375rem;
  color: #4a4a4a;
}

.field {
  margin: 0 0 1.25rem;
}

label {
  display: block;
  margin: 0 0 0.375rem;
  font-weight: 600;
}

input[type='text'],
input[type='password'] {
  display: block;
  width: 100%;
  min-height: 3rem;
  padding: 0.625rem 0.75rem;
  font: inherit;
  font-size: max(1rem, 16px);
  color: inherit;
  background: #fff;
  border: 2px solid #5c6470;
  border-radius: 4px;
}

input[aria-invalid='true'] {
  border-color: #b3261e;
  border-width: 3px;
}

.actions {
  display: grid;
  gap: 0.75rem;
  margin: 1.5rem 0 0;
}

.button {
  display: block;
  width: 100%;
  min-height: 3rem;
  padding: 0.625rem 1rem;
  font: inherit;
  font-weight: 600;
  text-align: center;
  color: #fff;
  background: #0b4f9c;
  border: 2px solid #0b4f9c;
  border-radius: 4px;
  cursor: pointer;
}

.button:hover {
  background: #083d7a;
  border-color: #083d7a;
}

.button-secondary {
  color: #0b4f9c;
  background: #fff;
}

.button-secondary:hover {
  color: #083d7a;
  background: #e8eef7;
}

.secondary-actions {
  margin: 1rem 0 0;
  text-align: center;
}

.secondary-actions a {
  display: inline-flex;
  align-items: center;
  min-height: 2.75rem;
  padding: 0 0.75rem;
}

.scope-list {
  margin: 0 0 1rem;
  padding-left: 1.25rem;
}

.scope-list li {
  margin: 0.375rem 0;
}

.details dt {
  font-weight: 600;
}

.details dd {
  margin: 0 0 0.75rem;
  overflow-wrap: anywhere;
}

code {
  padding: 0 0.25em;
  font-family: ui-monospace, Menlo, Consolas, monospace;
  font-size: 0.9375em;
  background: #eef0f3;
  border-radius: 3px;
  overflow-wrap: anywhere;
}

@media (max-width: 380px) {
  .page {
    padding: 1rem 0.5rem 2rem;
  }

  .card {
    padding: 1.25rem 1rem;
  }
}
`;

export const STYLESHEET_PATH = '/assets/onegate.css';

/** Changes whenever the content does, so the file can be cached as immutable. */
export const STYLESHEET_VERSION = createHash('sha256').update(STYLESHEET, 'utf8').digest('hex').slice(0, 10);

export const STYLESHEET_URL = `${STYLESHEET_PATH}?v=${STYLESHEET_VERSION}`;
