/* global document, window, getComputedStyle, CSSStyleRule */
// Runs inside the page under test (page-quality.ts evaluates it there): the
// DOM is the global scope, so this is plain JavaScript outside the Node build.
// It leaves its checks on window.pageQuality for the call that follows it.

/** `<tag#id name=…>`, to name an element in a problem report. */
function describeElement(el) {
  const id = el.id ? `#${el.id}` : '';
  const name = el.getAttribute('name') ? ` name=${el.getAttribute('name')}` : '';
  return `<${el.tagName.toLowerCase()}${id}${name}>`;
}

function accessibilityProblems(expected) {
  const problems = [];
  const lang = document.documentElement.getAttribute('lang');
  if (lang !== expected) problems.push(`<html lang="${lang}">, expected "${expected}"`);
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) problems.push(`${h1} <h1> elements`);
  if (document.querySelectorAll('main').length !== 1) problems.push('no single <main> landmark');
  const navs = [...document.querySelectorAll('nav')];
  if (navs.length === 0) problems.push('no <nav>');
  for (const nav of navs) {
    if (!nav.getAttribute('aria-label') && !nav.getAttribute('aria-labelledby')) {
      problems.push(`${describeElement(nav)} without an accessible name`);
    }
  }
  for (const control of document.querySelectorAll('input:not([type="hidden"]), select, textarea')) {
    const named =
      (control.labels?.length ?? 0) > 0 ||
      !!control.getAttribute('aria-label') ||
      !!control.getAttribute('aria-labelledby');
    if (!named) problems.push(`${describeElement(control)} without a label`);
  }
  for (const table of document.querySelectorAll('table')) {
    const headers = [...table.querySelectorAll('th')];
    if (headers.length === 0) problems.push(`${describeElement(table)} without <th> headers`);
    for (const th of headers) {
      if (!th.getAttribute('scope')) problems.push(`<th> "${th.textContent.trim()}" without scope`);
    }
  }
  // Errors and the proof's verdict must reach a screen reader when they appear.
  for (const el of document.querySelectorAll('.notice-error, .console-banner, .field-error, #proof-state')) {
    if (!el.closest('[role="alert"], [role="status"], [aria-live]')) {
      problems.push(`${describeElement(el)} "${el.textContent.trim().slice(0, 40)}" not announced`);
    }
  }
  const rules = [...document.styleSheets].flatMap((sheet) => [...sheet.cssRules]);
  const focusOutline = rules.some(
    (rule) =>
      rule instanceof CSSStyleRule &&
      rule.selectorText.includes(':focus-visible') &&
      !['', 'none'].includes(rule.style.outlineStyle) &&
      parseFloat(rule.style.outlineWidth) >= 2,
  );
  if (!focusOutline) problems.push('no :focus-visible outline in the stylesheets');
  return problems;
}

/** The element keyboard focus is on now, and whether it shows a ring; null when focus left the page. */
function focusStop() {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 30);
  const stop = {
    where: `${describeElement(el)} "${text}"`,
    ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    again: el.hasAttribute('data-focus-seen'),
  };
  el.setAttribute('data-focus-seen', '');
  return stop;
}

function resetFocus() {
  for (const el of document.querySelectorAll('[data-focus-seen]')) el.removeAttribute('data-focus-seen');
  document.activeElement?.blur();
  window.scrollTo(0, 0);
}

/** How wide the page is against the window, and what sticks out (wide tables scroll in their own box). */
function overflow() {
  const width = window.innerWidth;
  const culprits = [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > width + 1 && !el.closest('.console-table-wrap'))
    .slice(0, 5)
    .map((el) => `<${el.tagName.toLowerCase()} class="${el.getAttribute('class') ?? ''}">`);
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth: width, culprits };
}

window.pageQuality = { accessibilityProblems, focusStop, resetFocus, overflow };
