import { describe, expect, it } from 'vitest';
import {
  detectText,
  isLuhnValid,
  isPrivacyError,
  validateCreditCode,
  type TextFinding,
} from '../src/index.ts';

// Valid values: from testdata/id and the card networks' public test numbers.
const ID = '11010519491231002X';
const USCC = '91350100M000100Y43';
const CARD = '6200000000000005';

/** The findings as [kind, matched text], which reads better in a table than offsets. */
function found(text: string, kinds?: TextFinding['kind'][]): Array<[string, string]> {
  return detectText(text, kinds ? { kinds } : {}).map((f) => [f.kind, text.slice(f.start, f.end)]);
}

describe('detectText', () => {
  it('finds every kind in a Chinese sentence, with exact spans', () => {
    const text = `张三，身份证${ID}，手机+86 138-0013-8000，卡号${CARD}，邮箱zhangsan@example.com，统一社会信用代码${USCC}。`;
    const findings = detectText(text, { includeValue: true });
    expect(findings.map((f) => [f.kind, f.value])).toEqual([
      ['resident-id', ID],
      ['mobile', '+86 138-0013-8000'],
      ['bank-card', CARD],
      ['email', 'zhangsan@example.com'],
      ['credit-code', USCC],
    ]);
    for (const f of findings) expect(text.slice(f.start, f.end)).toBe(f.value);
    expect(findings[0]).toEqual({
      kind: 'resident-id',
      start: text.indexOf(ID),
      end: text.indexOf(ID) + 18,
      value: ID,
    });
  });

  it('leaves the value out unless asked', () => {
    expect(detectText(`tel ${'13800138000'}`)).toEqual([{ kind: 'mobile', start: 4, end: 15 }]);
  });

  it.each([
    ['13800138000', '13800138000'],
    ['+8613800138000', '+8613800138000'],
    ['+86 138 0013 8000', '+86 138 0013 8000'],
    ['0086-138-0013-8000', '0086-138-0013-8000'],
    ['8613800138000', '8613800138000'],
    ['(+86) 13800138000', '13800138000'],
    ['电话:13800138000。', '13800138000'],
    ['tel13800138000', '13800138000'],
  ])('finds the mobile number in %j', (text, match) => {
    expect(found(text)).toEqual([['mobile', match]]);
  });

  it.each([
    ['4111111111111111', '4111111111111111'],
    ['4111 1111 1111 1111', '4111 1111 1111 1111'],
    ['4111-1111-1111-1111', '4111-1111-1111-1111'],
    ['3782 822463 10005', '3782 822463 10005'],
    ['6205 5000 0000 0000 004', '6205 5000 0000 0000 004'],
    ['pay 4111 1111 1111 1111 12 items', '4111 1111 1111 1111'], // a following number is not swallowed
    ['2024 4111 1111 1111 1111', '4111 1111 1111 1111'], // nor a preceding one
  ])('finds the card in %j', (text, match) => {
    expect(found(text)).toEqual([['bank-card', match]]);
  });

  it('finds IDs written with a lower-case x, and labels glued in front', () => {
    expect(found('11010519491231002x')).toEqual([['resident-id', '11010519491231002x']]);
    expect(found(`ID${ID}`)).toEqual([['resident-id', ID]]);
  });

  it('reads full-width digits and letters', () => {
    const wide = '１３８００１３８０００';
    expect(detectText(`电话：${wide}`, { includeValue: true })).toEqual([
      { kind: 'mobile', start: 3, end: 14, value: wide },
    ]);
  });

  describe('near misses are not findings', () => {
    it.each([
      ['an ID with a wrong check character', '110105194912310021'],
      ['an ID with a wrong check character, lower-case x', '110105194912310020'],
      ['an ID born on 30 February (check character right)', '110105194902300020'],
      ['an ID inside a longer digit run', `9${ID}`],
      ['an ID followed by a digit', `${ID}5`],
      ['an ID glued to letters after it', `${ID}abc`],
      ['a 16-digit number failing Luhn', '4111111111111112'],
      ['a grouped card failing Luhn', '4111 1111 1111 1112'],
      ['a card number inside a longer run', '94111111111111111'],
      ['a millisecond timestamp (not a card industry)', '1714000000000'],
      ['a mobile number inside a longer run', '413800138000'],
      ['12 digits starting like a mobile', '138001380001'],
      ['an 11-digit number that is no mobile (12…)', '12800138000'],
      ['a credit code with a wrong check character', '91350100M000100Y44'],
      ['a credit code in lower case', '91350100m000100y43'],
      ['an e-mail address with a double dot', 'zhang..san@example.com'],
      ['an e-mail address without a top-level domain', 'root@localhost'],
      ['an 18-digit order number', '202403011234567890'],
    ])('%s: %s', (_what, text) => {
      expect(found(text)).toEqual([]);
    });

    it('uses numbers that really fail the checks above', () => {
      expect(isLuhnValid('4111111111111112')).toBe(false);
      expect(isLuhnValid('413800138000')).toBe(false);
      expect(isLuhnValid('202403011234567890')).toBe(false);
      expect(validateCreditCode('202403011234567890').valid).toBe(false);
    });
  });

  describe('overlaps', () => {
    it('an e-mail address holding a phone number is one e-mail address', () => {
      expect(found('13800138000@163.com')).toEqual([['email', '13800138000@163.com']]);
    });

    it('an ID that is also a valid credit code is an ID', () => {
      const both = '440524198001010259';
      expect(validateCreditCode(both).valid).toBe(true);
      expect(found(both)).toEqual([['resident-id', both]]);
      expect(found(both, ['credit-code'])).toEqual([['credit-code', both]]);
    });

    it('an ID that also passes Luhn is an ID', () => {
      const both = '440524198001010179';
      expect(isLuhnValid(both)).toBe(true);
      expect(found(both)).toEqual([['resident-id', both]]);
      expect(found(both, ['bank-card'])).toEqual([['bank-card', both]]);
    });

    it('an ID glued to an e-mail address is part of the address (and masked with it)', () => {
      expect(found(`${ID}@example.com`)).toEqual([['email', `${ID}@example.com`]]);
    });

    it('never reports overlapping spans', () => {
      const text = `${ID} ${ID} ${'13800138000@163.com'} 4111 1111 1111 1111 13800138000 ${USCC}`;
      const findings = detectText(text);
      for (let i = 1; i < findings.length; i++) {
        expect(findings[i]?.start).toBeGreaterThanOrEqual(findings[i - 1]?.end ?? 0);
      }
      expect(findings.map((f) => f.kind)).toEqual([
        'resident-id',
        'resident-id',
        'email',
        'bank-card',
        'mobile',
        'credit-code',
      ]);
    });
  });

  it('looks only for the kinds asked for', () => {
    const text = `${ID} 13800138000 a@b.cn`;
    expect(found(text, ['mobile', 'email'])).toEqual([
      ['mobile', '13800138000'],
      ['email', 'a@b.cn'],
    ]);
    expect(found(text, [])).toEqual([]);
  });

  it('refuses unknown kinds and non-text with ERR_PRIVACY_INVALID', () => {
    for (const call of [
      () => detectText('x', { kinds: ['passport' as never] }),
      () => detectText(42 as never),
    ]) {
      let caught: unknown;
      try {
        call();
      } catch (err) {
        caught = err;
      }
      expect(isPrivacyError(caught, 'ERR_PRIVACY_INVALID')).toBe(true);
    }
  });

  it('finds nothing in empty and unrelated text', () => {
    expect(detectText('')).toEqual([]);
    expect(detectText('今天天气很好 😀 nothing here, 2024-03-01 12:00:00')).toEqual([]);
  });
});
