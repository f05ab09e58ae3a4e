import { describe, expect, it } from 'vitest';
import { isPrivacyError, normalize, normalizerFor, validate, type PersonalDataKind } from '../src/index.ts';

describe('normalize(kind, value)', () => {
  it.each<[PersonalDataKind, string, string]>([
    ['resident-id', ' 11010519491231002x ', '11010519491231002X'],
    ['resident-id', '１１０１０５１９４９１２３１００２ｘ', '11010519491231002X'],
    ['credit-code', '91350100m000100y43', '91350100M000100Y43'],
    ['mobile', '+86 138-0013-8000', '13800138000'],
    ['mobile', '0086 13800138000', '13800138000'],
    ['mobile', '8613800138000', '13800138000'],
    ['mobile', '(+86) 138.0013.8000', '13800138000'],
    ['mobile', '１３８ ００１３ ８０００', '13800138000'],
    ['mobile', '+1 415 555 2671', '+14155552671'],
    ['mobile', '86123456', '86123456'], // a bare 86 before fewer than 11 digits is not a country code
    ['bank-card', '6222 0212-3456 1234', '6222021234561234'],
    ['email', ' Zhang.San@Example.COM. ', 'zhang.san@example.com'],
    ['email', 'ＺＨＡＮＧ＠ＥＸＡＭＰＬＥ．ＣＯＭ', 'zhang@example.com'],
  ])('%s %j → %j', (kind, value, expected) => {
    expect(normalize(kind, value)).toBe(expected);
    expect(normalizerFor(kind)(value)).toBe(expected);
  });

  it.each<[PersonalDataKind, string]>([
    ['resident-id', '11010519491231002X'],
    ['credit-code', '91350100M000100Y43'],
    ['mobile', '+86 138 0013 8000'],
    ['mobile', '13800138000'],
    ['bank-card', '4111-1111-1111-1111'],
    ['email', 'Zhang.San@Example.com'],
  ])('gives a valid %s the same form as validate does (a blind index lookup finds it)', (kind, value) => {
    const result = validate(kind, value);
    expect(result.valid && result.normalized).toBe(normalize(kind, value));
  });

  it('refuses an unknown kind, a value that is not a string and an empty result', () => {
    for (const call of [
      () => normalize('passport' as never, 'x'),
      () => normalize('mobile', 13800138000 as never),
      () => normalize('mobile', ' - '),
      () => normalizerFor('email')(''),
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
});
