import { describe, expect, it } from 'vitest';
import { isPrivacyError, mask, MASK_PROFILES, type MaskProfile } from '../src/index.ts';

type Row = [value: string, masked: string];

function table(profile: MaskProfile, rows: Row[]) {
  describe(profile, () => {
    it.each(rows)('%j → %j', (value, masked) => {
      expect(mask(profile, value)).toBe(masked);
    });
  });
}

table('resident-id', [
  ['11010519491231002X', '110105********002X'],
  ['11010519491231002x', '110105********002x'],
  ['110105491231002', '110105******002'], // first generation, 15 digits
  ['', ''],
  ['1', '*'],
  ['12', '**'],
  ['1101051949', '**********'],
  ['110105 19491231 002X', '********************'],
  ['身份证', '***'],
]);

table('mobile', [
  ['13800138000', '138****8000'],
  ['+8613800138000', '+86138****8000'],
  ['+86 138-0013-8000', '+86 138-****-8000'],
  ['0086 138 0013 8000', '0086 138 **** 8000'],
  ['+1 (415) 555-2671', '+* (***) ***-2671'],
  ['010-12345678', '***-****5678'],
  ['12345', '*****'],
  ['', ''],
  ['1', '*'],
  ['call me', '*******'],
  ['１３８００１３８０００', '***********'],
]);

table('bank-card', [
  ['6222021234561234', '6222 **** **** 1234'],
  ['6222 0212 3456 1234', '6222 **** **** 1234'],
  ['6222-0212-3456-1234-567', '6222 **** **** 4567'], // 19 digits, same layout: the length stays hidden
  ['622202123456', '6222 **** **** 3456'], // 12 digits
  ['62220212345', '***********'], // 11 digits is no card
  ['', ''],
  ['6', '*'],
  ['card', '****'],
]);

table('email', [
  ['zhangsan@example.com', 'z***@example.com'],
  ['Zhang.San+tag@Example.com', 'Z***@Example.com'],
  ['ab@example.com', 'a***@example.com'],
  ['a@x.cn', '***@x.cn'],
  ['张三@例子.中国', '张***@例子.中国'],
  ['😀x@example.com', '😀***@example.com'],
  ['', ''],
  ['a', '*'],
  ['@', '*'],
  ['@example.com', '************'],
  ['zhang@', '******'],
  ['not an address', '**************'],
]);

table('credit-code', [
  ['91350100M000100Y43', '913501********0Y43'],
  ['91350100m000100y43', '913501********0y43'],
  ['', ''],
  ['9', '*'],
  ['91350100M000100Y4', '*****************'],
]);

table('plate', [
  ['浙A12345', '浙A·***45'],
  ['浙A·12345', '浙A·***45'],
  ['浙A 12345', '浙A·***45'],
  ['粤BD12345', '粤B·****45'], // new energy, 6 characters
  ['京A1234学', '京A·***4学'],
  ['AB12 CDE', '**** *DE'],
  ['ABCD', '**CD'],
  ['', ''],
  ['浙', '*'],
  ['浙A', '**'],
  ['ABC', '***'],
  ['浙A1234567', '*********'],
]);

describe('custom', () => {
  it.each<[string, number, number, string]>([
    ['abcdefgh', 2, 2, 'ab****gh'],
    ['abcdefgh', 0, 4, '****efgh'],
    ['abcdefgh', 3, 0, 'abc*****'],
    ['abcdefgh', 0, 0, '********'],
    ['abcd', 2, 2, '****'], // would show everything: fully masked instead
    ['abc', 2, 2, '***'],
    ['', 1, 1, ''],
    ['张三丰', 1, 0, '张**'],
    ['😀😀😀😀', 1, 1, '😀**😀'],
    ['👨‍👩‍👧abc', 1, 1, '👨‍👩‍👧**c'], // a ZWJ family emoji is one character
    ['e\u0301tude', 1, 1, 'e\u0301***e'], // e + combining acute accent is one character
  ])('%j keeping %i and %i → %j', (value, keepFirst, keepLast, masked) => {
    expect(mask('custom', value, { keepFirst, keepLast })).toBe(masked);
  });

  it('masks with another character', () => {
    expect(mask('custom', '13800138000', { keepFirst: 3, keepLast: 4, maskChar: '#' })).toBe('138####8000');
    expect(mask('mobile', '13800138000', { maskChar: '•' })).toBe('138••••8000');
    expect(mask('name', '欧阳娜娜', { maskChar: '〇' })).toBe('欧阳〇〇');
  });
});

describe('what no profile ever does', () => {
  const samples = ['13800138000', '11010519491231002X', 'x', '张', '😀', 'a b', '???', 'John', '浙江省'];

  it.each(MASK_PROFILES.filter((p) => p !== 'custom'))(
    '%s never returns a non-empty input unchanged',
    (profile) => {
      for (const value of samples) expect(mask(profile, value)).not.toBe(value);
    },
  );

  it.each(MASK_PROFILES.filter((p) => p !== 'custom'))('%s never splits a surrogate pair', (profile) => {
    for (const value of ['😀😀😀😀😀', '𠮷野家𠮷', 'a😀b😀c@😀.com', '𠮷A12345']) {
      expect(mask(profile, value).isWellFormed()).toBe(true);
    }
  });
});

describe('bad arguments', () => {
  function codeOf(call: () => unknown): string | undefined {
    try {
      call();
    } catch (err) {
      return isPrivacyError(err) ? err.code : 'not a PrivacyError';
    }
    return undefined;
  }

  it.each<[string, () => unknown]>([
    ['an unknown profile', () => mask('passport' as never, 'x')],
    ['a number', () => mask('mobile', 13800138000 as never)],
    ['null', () => mask('name', null as never)],
    ['custom without its rule', () => mask('custom', 'abc')],
    ['custom with a negative count', () => mask('custom', 'abc', { keepFirst: -1, keepLast: 0 })],
    ['custom with a fraction', () => mask('custom', 'abc', { keepFirst: 1.5, keepLast: 0 })],
    ['keepFirst on another profile', () => mask('mobile', '13800138000', { keepFirst: 3 })],
    ['a two-character maskChar', () => mask('name', '张三', { maskChar: '**' })],
    ['an empty maskChar', () => mask('name', '张三', { maskChar: '' })],
    ['a space as maskChar', () => mask('name', '张三', { maskChar: ' ' })],
  ])('refuses %s with ERR_PRIVACY_INVALID', (_what, call) => {
    expect(codeOf(call)).toBe('ERR_PRIVACY_INVALID');
  });
});
