import { describe, expect, it } from 'vitest';
import {
  isLuhnValid,
  isPrivacyError,
  residentIdCheckCharacter,
  validate,
  validateBankCard,
  validateEmail,
  validateMobile,
  validateResidentId,
  type AnyValidation,
} from '../src/index.ts';

function reasonOf(result: AnyValidation): string {
  return result.valid ? 'valid' : result.reason;
}

/** A resident ID with the right check character, for dates the vectors don't cover. */
function residentId(first17: string): string {
  return first17 + residentIdCheckCharacter(first17);
}

describe('resident ID birth dates', () => {
  it('accepts a birth today and refuses tomorrow', () => {
    const today = new Date('2026-03-01T00:30:00Z');
    expect(validateResidentId(residentId('11010520260301001'), { today }).valid).toBe(true);
    expect(reasonOf(validateResidentId(residentId('11010520260302001'), { today }))).toBe('birth_date');
  });

  it('accepts a baby born just after midnight in Beijing while it is still yesterday in UTC', () => {
    const today = new Date('2026-03-01T16:30:00Z'); // 00:30 on 2 March in Beijing
    expect(validateResidentId(residentId('11010520260302001'), { today }).valid).toBe(true);
  });

  it('knows leap years', () => {
    expect(validateResidentId(residentId('11010520000229001')).valid).toBe(true);
    expect(
      reasonOf(validateResidentId(residentId('11010521000229001'), { today: new Date('2200-01-01') })),
    ).toBe('birth_date');
  });

  it('reports the sex from the sequence code', () => {
    expect(validateResidentId(residentId('11010519800101001'))).toMatchObject({ sex: 'male' });
    expect(validateResidentId(residentId('11010519800101002'))).toMatchObject({ sex: 'female' });
  });

  it('checks the check character before the date', () => {
    expect(reasonOf(validateResidentId('110105194902300021'))).toBe('check_character');
  });
});

describe('mainland mobile numbers', () => {
  it.each([
    ['13800138000', '13800138000'],
    ['19912345678', '19912345678'],
    ['+8613800138000', '13800138000'],
    ['+86 138 0013 8000', '13800138000'],
    ['+86-138-0013-8000', '13800138000'],
    ['0086 13800138000', '13800138000'],
    ['8613800138000', '13800138000'],
    ['138-0013-8000', '13800138000'],
    ['  13800138000 ', '13800138000'],
  ])('accepts %j as %s', (value, normalized) => {
    expect(validateMobile(value)).toEqual({ valid: true, normalized, e164: `+86${normalized}` });
  });

  it.each([
    ['', 'length'],
    ['1380013800', 'length'],
    ['138001380001', 'length'],
    ['86 1380013800', 'length'],
    ['+86 1380013800', 'length'],
    ['12800138000', 'prefix'],
    ['23800138000', 'prefix'],
    ['+1 415 555 2671', 'prefix'],
    ['138 0013 800a', 'characters'],
    ['138--0013-8000', 'characters'],
    ['+86 +13800138000', 'characters'],
    ['(+86) 138 0013 8000', 'characters'],
    ['１３８００１３８０００', 'characters'],
  ])('refuses %j: %s', (value, reason) => {
    expect(reasonOf(validateMobile(value))).toBe(reason);
  });

  it('accepts full-width digits, dots and parentheses in lenient mode', () => {
    expect(validateMobile('１３８００１３８０００', { lenient: true })).toMatchObject({
      normalized: '13800138000',
    });
    expect(validateMobile('(+86) 138.0013.8000', { lenient: true })).toMatchObject({
      normalized: '13800138000',
    });
  });
});

describe('bank cards', () => {
  // Public test card numbers of the card networks (as published by payment processors).
  it.each([
    ['4111111111111111', 'visa'],
    ['4111 1111 1111 1111', 'visa'],
    ['4111-1111-1111-1111', 'visa'],
    ['5555555555554444', 'mastercard'],
    ['2223003122003222', 'mastercard'],
    ['378282246310005', 'amex'],
    ['3530111333300000', 'jcb'],
    ['6200000000000005', 'unionpay'],
    ['6205500000000000004', 'unionpay'],
    ['000000000000', 'unknown'],
  ])('accepts %s (%s)', (value, network) => {
    expect(validateBankCard(value)).toEqual({ valid: true, normalized: value.replace(/[ -]/g, ''), network });
  });

  it.each([
    ['', 'length'],
    ['4111111111111112', 'luhn'],
    ['6200000000000006', 'luhn'],
    ['00000000000', 'length'],
    ['0'.repeat(20), 'length'],
    ['4111 1111 1111 111a', 'characters'],
    ['4111  1111 1111 1111', 'characters'],
  ])('refuses %j: %s', (value, reason) => {
    expect(reasonOf(validateBankCard(value))).toBe(reason);
  });

  it('computes Luhn like the reference examples', () => {
    expect(isLuhnValid('79927398713')).toBe(true);
    expect(isLuhnValid('79927398710')).toBe(false);
  });
});

describe('e-mail addresses', () => {
  it.each([
    ['zhang.san@example.com', 'zhang.san@example.com'],
    ['Zhang.San+tag@Example.COM', 'zhang.san+tag@example.com'],
    ['a@b.cn', 'a@b.cn'],
    ['张三@例子.中国', '张三@例子.中国'],
    ['x@example.xn--fiqs8s', 'x@example.xn--fiqs8s'],
  ])('accepts %s', (value, normalized) => {
    expect(validateEmail(value)).toMatchObject({ valid: true, normalized });
  });

  it.each([
    ['', 'length'],
    [`${'a'.repeat(65)}@example.com`, 'length'],
    ['zhang', 'format'],
    ['@example.com', 'format'],
    ['zhang@', 'format'],
    ['.zhang@example.com', 'format'],
    ['zhang..san@example.com', 'format'],
    ['zhang@localhost', 'format'],
    ['zhang@example.123', 'format'],
    ['zhang@-example.com', 'format'],
    ['zh ang@example.com', 'characters'],
  ])('refuses %j: %s', (value, reason) => {
    expect(reasonOf(validateEmail(value))).toBe(reason);
  });
});

describe('validate(kind, value)', () => {
  it('dispatches on the kind', () => {
    expect(validate('mobile', '+86 13800138000')).toMatchObject({ valid: true, normalized: '13800138000' });
    expect(validate('resident-id', '11010519491231002x', { lenient: true })).toMatchObject({ valid: true });
    expect(reasonOf(validate('bank-card', '4111111111111112'))).toBe('luhn');
  });

  it('refuses unknown kinds and values that are not strings with ERR_PRIVACY_INVALID', () => {
    expect(() => validate('passport' as never, 'x')).toThrow(
      expect.objectContaining({ code: 'ERR_PRIVACY_INVALID' }),
    );
    for (const value of [13800138000, null, undefined, ['13800138000']]) {
      let caught: unknown;
      try {
        validate('mobile', value as never);
      } catch (err) {
        caught = err;
      }
      expect(isPrivacyError(caught, 'ERR_PRIVACY_INVALID')).toBe(true);
    }
  });

  it('never echoes the value in its message', () => {
    const result = validate('resident-id', '110105194912310021');
    expect(result.valid === false && result.message).not.toContain('110105');
  });
});
