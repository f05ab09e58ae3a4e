import { expect } from 'vitest';
import type { Queryable } from '@onegate/store';
import { queryPage, type EventFilter } from '../../src/service/query.ts';

/**
 * Every index a search finds, following its cursor page by page. The logs
 * these tests search hold `{"n": index}` at each index, so each page's
 * bodies are checked against the indexes they came with.
 */
export async function allPages(store: Queryable, filter: EventFilter, limit: number): Promise<number[]> {
  const seen: number[] = [];
  let before: number | undefined;
  do {
    const page = await queryPage(store, filter, { limit, ...(before === undefined ? {} : { before }) });
    expect(page.events.length).toBeLessThanOrEqual(limit);
    for (const { index, event } of page.events) expect(event).toEqual({ n: index });
    seen.push(...page.events.map((e) => e.index));
    before = page.nextBefore;
  } while (before !== undefined);
  return seen;
}
