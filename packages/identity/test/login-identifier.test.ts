import { describe, expect, it } from 'vitest';
import { isValidUsername, normalizePhone, parseLoginIdentifier } from '../src/accounts/login-identifier.ts';

describe('login identifier', () => {
  describe('when a citizen types a mainland mobile number', () => {
    it.each([
      '+86 138-0013-8000',
      '8613800138000',
      '13800138000',
      '+8613800138000',
      '138 0013 8000',
      '138-0013-8000',
    ])('reads %s as the phone number 13800138000', (typed) => {
      expect(parseLoginIdentifier(typed)).toEqual({ kind: 'phone', value: '13800138000' });
    });

    it('reads full-width digits and a full-width plus sign as the same number', () => {
      expect(parseLoginIdentifier('１３８００１３８０００')).toEqual({ kind: 'phone', value: '13800138000' });
      expect(parseLoginIdentifier('＋８６ １３８－００１３－８０００')).toEqual({
        kind: 'phone',
        value: '13800138000',
      });
    });

    it('ignores surrounding spaces', () => {
      expect(parseLoginIdentifier('  13800138000 \t')).toEqual({ kind: 'phone', value: '13800138000' });
    });
  });

  describe('when the number is not a mainland mobile number', () => {
    it('keeps its country code and drops only spaces and dashes', () => {
      expect(parseLoginIdentifier('+44 20-7946-0958')).toEqual({ kind: 'phone', value: '+442079460958' });
      expect(normalizePhone('+852 6123 4567')).toBe('+85261234567');
    });
  });

  describe('when a citizen types an e-mail address', () => {
    it('lower-cases it', () => {
      expect(parseLoginIdentifier('Li.Wei@Example.GOV.cn')).toEqual({
        kind: 'email',
        value: 'li.wei@example.gov.cn',
      });
    });

    it('reads full-width letters and a full-width @ as their ASCII forms', () => {
      expect(parseLoginIdentifier('ＬＩ．ＷＥＩ＠ＥＸＡＭＰＬＥ．ＧＯＶ．ＣＮ')).toEqual({
        kind: 'email',
        value: 'li.wei@example.gov.cn',
      });
    });
  });

  describe('when a citizen types a username', () => {
    it('lower-cases it', () => {
      expect(parseLoginIdentifier('Li.Wei')).toEqual({ kind: 'username', value: 'li.wei' });
      expect(parseLoginIdentifier('LI_WEI-2')).toEqual({ kind: 'username', value: 'li_wei-2' });
    });

    it('reads full-width letters as ASCII (NFKC)', () => {
      expect(parseLoginIdentifier('Ｌｉ．Ｗｅｉ')).toEqual({ kind: 'username', value: 'li.wei' });
    });

    it('accepts 3 to 64 characters', () => {
      expect(parseLoginIdentifier('abc')).toEqual({ kind: 'username', value: 'abc' });
      expect(parseLoginIdentifier('a'.repeat(64))).toEqual({ kind: 'username', value: 'a'.repeat(64) });
      expect(isValidUsername('li.wei')).toBe(true);
      expect(isValidUsername('Li.Wei')).toBe(false);
    });
  });

  describe('when the input is none of these', () => {
    it.each([
      '',
      '   ',
      'ab',
      'a'.repeat(65),
      'li wei',
      '.liwei',
      'li/wei',
      '李伟',
      '@',
      'li.wei@',
      '@example.gov.cn',
      'li wei@example.gov.cn',
      '+',
      '12 34',
    ])('returns undefined for %j', (typed) => {
      expect(parseLoginIdentifier(typed)).toBeUndefined();
    });
  });
});
