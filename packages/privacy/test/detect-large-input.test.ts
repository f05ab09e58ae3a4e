import { describe, expect, it } from 'vitest';
import { detectText, redactText } from '../src/index.ts';

// Regression guard against super-linear patterns: each input is 1 MiB and
// built to make a backtracking matcher retry at every position. No timing is
// asserted; a quadratic scan would blow the test timeout.
const MiB = 1 << 20;

describe('1 MiB inputs', () => {
  it.each([
    ['one long digit run', '1'.repeat(MiB)],
    ['one long letter run (an e-mail local part without @)', 'a'.repeat(MiB)],
    ['alternating a@', 'a@'.repeat(MiB / 2)],
    ['one long domain without a dot', `x@${'a'.repeat(MiB)}`],
    ['dots and letters', 'a.'.repeat(MiB / 2)],
    ['groups of four digits', '4111 '.repeat(MiB / 5)],
    ['dashes and digits', '1-'.repeat(MiB / 2)],
    ['IDs glued into one run', `${'11010519491231002x'.repeat(MiB / 18)}0`],
    ['Chinese text', '中文文本'.repeat(MiB / 4)],
    // Redaction looks for ciphertext envelopes to leave whole wherever `og1:` occurs.
    ['envelope look-alikes', 'og1:a256gcm:subject.1234:1:'.repeat(MiB / 28)],
    ['an envelope with a 1 MiB payload', `og1:a256gcm:subject.1234:1:${'A'.repeat(MiB)}`],
  ])('%s: nothing found, output unchanged', (_what, text) => {
    expect(detectText(text)).toEqual([]);
    expect(redactText(text)).toBe(text);
  });

  it('finds every one of many findings', () => {
    const line = '用户 11010519491231002X 电话 13800138000 邮箱 zhangsan@example.com 卡 6200000000000005\n';
    const text = line.repeat(Math.floor(MiB / line.length));
    const lines = Math.floor(MiB / line.length);
    expect(detectText(text)).toHaveLength(4 * lines);
    expect(redactText(text)).toBe(
      '用户 110105********002X 电话 138****8000 邮箱 z***@example.com 卡 6200 **** **** 0005\n'.repeat(lines),
    );
  });
});
