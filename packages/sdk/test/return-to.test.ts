import { describe, expect, it } from 'vitest';
import { safeReturnTo } from '../src/login/return-to.ts';

describe('returnTo', () => {
  it.each([
    ['/orders?id=7#top', '/orders?id=7#top'],
    ['/', '/'],
    ['//evil.example/path', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/', '/'],
    ['javascript:alert(1)', '/'],
    ['/a\r\nSet-Cookie: x=1', '/'],
    ['/\t/evil.example', '/'],
    ['orders', '/'],
    ['', '/'],
    [null, '/'],
    [`/${'a'.repeat(3000)}`, '/'],
  ])('%s → %s', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });
});
