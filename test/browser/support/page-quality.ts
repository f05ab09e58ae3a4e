import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

/**
 * What every server-rendered page owes its users, checked in the real
 * browser: the language it is in, one heading to start from, landmarks that
 * say what they are, a label on every control, table headers a screen reader
 * can follow, errors and verdicts that are announced, a visible focus ring at
 * every keyboard stop, and no sideways scrolling on a phone. Each check
 * returns the problems found, in words, so a failure says what to fix.
 */

export const PHONE = { width: 390, height: 844 } as const;

const IN_PAGE = readFileSync(new URL('./page-quality.in-page.js', import.meta.url), 'utf8');

/** Calls one function of page-quality.in-page.js inside the page. */
function inPage<T>(page: Page, call: string): Promise<T> {
  return page.evaluate<T>(`${IN_PAGE}\n;window.pageQuality.${call}`);
}

export function accessibilityProblems(page: Page, lang: string): Promise<string[]> {
  return inPage(page, `accessibilityProblems(${JSON.stringify(lang)})`);
}

/** Tabs through the page from the top, as a keyboard user does, and names each stop without a focus ring. */
export async function invisibleFocusStops(page: Page, limit = 80): Promise<string[]> {
  await inPage(page, 'resetFocus()');
  const problems = new Set<string>();
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const stop = await inPage<{ where: string; ring: boolean; again: boolean } | null>(page, 'focusStop()');
    if (!stop || stop.again) break; // focus left the page or came round again
    if (!stop.ring) problems.add(`no visible focus on ${stop.where}`);
  }
  await inPage(page, 'resetFocus()');
  return [...problems];
}

/**
 * Narrows the window to a phone, reports whether the page scrolls sideways,
 * saves a phone screenshot when given a path, and restores the previous size.
 */
export async function phoneOverflow(page: Page, screenshot?: string): Promise<string[]> {
  const before = page.viewportSize();
  await page.setViewportSize(PHONE);
  try {
    const { scrollWidth, innerWidth, culprits } = await inPage<{
      scrollWidth: number;
      innerWidth: number;
      culprits: string[];
    }>(page, 'overflow()');
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return scrollWidth <= innerWidth
      ? []
      : [`page is ${scrollWidth}px wide on a ${innerWidth}px phone: ${culprits.join(', ')}`];
  } finally {
    if (before) await page.setViewportSize(before);
  }
}

/** All of the above for the page on screen, in `lang`; the phone screenshot goes to `phoneShot`. */
export async function pageQualityProblems(page: Page, lang: string, phoneShot?: string): Promise<string[]> {
  return [
    ...(await accessibilityProblems(page, lang)),
    ...(await invisibleFocusStops(page)),
    ...(await phoneOverflow(page, phoneShot)),
  ];
}
