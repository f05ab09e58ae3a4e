/**
 * The console's layout on top of the sign-in pages' stylesheet: a wide main
 * column for tables, a nav bar, result tables that scroll sideways on phones,
 * and the verified / failed states of the proof and integrity checks (colour
 * is never the only signal: each state also says so in words).
 */
export const CONSOLE_STYLESHEET = `.console-header-inner,
.console-nav ul,
.console-main {
  max-width: 72rem;
  margin: 0 auto;
}

.console-header-inner {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  justify-content: space-between;
  gap: 0.25rem 1rem;
  padding: 0.25rem 1rem;
}

.console-officer {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 0 1rem;
  margin: 0;
}

.console-header a {
  color: #fff;
}

.console-sign-out {
  display: inline-flex;
  align-items: center;
  min-height: 2.75rem;
}

.console-nav {
  background: #083d7a;
}

.console-nav ul {
  display: flex;
  flex-wrap: wrap;
  gap: 0 0.25rem;
  padding: 0 0.5rem;
  list-style: none;
}

.console-nav a {
  display: inline-flex;
  align-items: center;
  min-height: 2.75rem;
  padding: 0 0.75rem;
  text-decoration: none;
}

.console-nav a[aria-current='page'] {
  font-weight: 700;
  text-decoration: underline;
  text-decoration-thickness: 3px;
  text-underline-offset: 0.4em;
}

.console-main {
  padding: 1.5rem 1rem 3rem;
}

.console-main:focus {
  outline: none;
}

.console-main h2 {
  margin-top: 2rem;
}

.console-main .console-panel > h2:first-child {
  margin-top: 0;
}

.console-panel {
  margin: 0 0 1.5rem;
  padding: 1.25rem;
  background: #fff;
  border: 1px solid #d0d5dd;
  border-radius: 8px;
}

.console-filters {
  display: grid;
  grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr));
  gap: 0 1rem;
}

.console-filters .field {
  margin: 0 0 1rem;
}

.console-main select,
.console-main input[type='datetime-local'],
.console-main input[type='search'] {
  display: block;
  width: 100%;
  min-height: 3rem;
  padding: 0.5rem 0.75rem;
  font: inherit;
  font-size: max(1rem, 16px);
  color: inherit;
  background: #fff;
  border: 2px solid #5c6470;
  border-radius: 4px;
}

.console-main select:focus-visible,
.console-main input:focus-visible {
  outline: 3px solid #ffd100;
  box-shadow: 0 0 0 6px #1b1b1b;
}

.console-actions {
  display: flex;
  flex-wrap: wrap;
  gap: 0.75rem;
  align-items: center;
  margin: 0.5rem 0 0;
}

.console-actions .button,
.console-inline-button {
  display: inline-block;
  width: auto;
  min-width: 10rem;
}

.console-table-wrap {
  overflow-x: auto;
  background: #fff;
  border: 1px solid #d0d5dd;
  border-radius: 8px;
}

/* Chromium lets the keyboard into a box that scrolls: show where it is. */
.console-table-wrap:focus-visible {
  outline: 3px solid #ffd100;
  outline-offset: 2px;
}

.console-table {
  width: 100%;
  border-collapse: collapse;
  font-size: 0.9375rem;
}

/* On a phone a results table keeps readable columns and scrolls inside its
   own box instead of squeezing a timestamp into one character per line. */
@media (max-width: 40rem) {
  .console-table th,
  .console-table td {
    overflow-wrap: break-word;
  }

  .console-table time,
  .console-table code {
    white-space: nowrap;
  }
}

.console-table caption {
  padding: 0.75rem;
  text-align: left;
  font-weight: 600;
}

.console-table th,
.console-table td {
  padding: 0.5rem 0.75rem;
  text-align: left;
  vertical-align: top;
  border-top: 1px solid #e3e6eb;
  overflow-wrap: anywhere;
}

.console-table thead th {
  background: #eef0f3;
  white-space: nowrap;
}

.console-fields dt {
  font-weight: 600;
}

.console-fields dd {
  margin: 0 0 0.75rem;
  overflow-wrap: anywhere;
}

.console-pre {
  margin: 0 0 1rem;
  padding: 0.75rem;
  font-family: ui-monospace, Menlo, Consolas, monospace;
  font-size: 0.875rem;
  white-space: pre-wrap;
  overflow-wrap: anywhere;
  background: #eef0f3;
  border-radius: 4px;
}

.console-hashes {
  padding-left: 1.5rem;
  font-family: ui-monospace, Menlo, Consolas, monospace;
  font-size: 0.875rem;
  overflow-wrap: anywhere;
}

.console-state {
  display: inline-block;
  padding: 0.125rem 0.5rem;
  font-weight: 700;
  border-radius: 4px;
}

.console-state-ok {
  color: #0d5c2b;
  background: #e3f4e8;
  border: 2px solid #0d5c2b;
}

.console-state-failed {
  color: #fff;
  background: #b3261e;
  border: 2px solid #b3261e;
}

.console-state-pending {
  color: #4a4a4a;
  background: #eef0f3;
  border: 2px solid #5c6470;
}

.console-banner {
  margin: 0 0 1.5rem;
  padding: 1rem 1.25rem;
  color: #fff;
  font-weight: 600;
  background: #b3261e;
  border-radius: 8px;
}

.console-banner p {
  margin: 0;
}

.console-pager {
  display: flex;
  gap: 1rem;
  margin: 1rem 0 0;
}
`;
