import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  creditCodeCheckCharacter,
  residentIdCheckCharacter,
  validateCreditCode,
  validateResidentId,
  type ValidationReason,
} from '../src/index.ts';

// Known-answer vectors shared by every implementation: testdata/id (see its README.md).
const ID_DATA = fileURLToPath(new URL('../../../testdata/id/', import.meta.url));

interface Invalid {
  value: string;
  reason: 'checksum' | 'date' | 'length' | 'case' | 'format' | 'charset';
  validIfUppercased: boolean;
}
interface ResidentIdVectors {
  valid: Array<{ value: string; checkChar: string; birthDate: string; sex: 'male' | 'female' }>;
  invalid: Invalid[];
  implementationDefined: Array<{ value: string }>;
}
interface CreditCodeVectors {
  valid: Array<{ value: string; checkChar: string; organizationCodeCheckOk: boolean }>;
  invalid: Invalid[];
  implementationDefined: Array<{ value: string }>;
}

function load<T>(file: string): T {
  return JSON.parse(readFileSync(ID_DATA + file, 'utf8')) as T;
}

const residentIds = load<ResidentIdVectors>('resident-id.json');
const creditCodes = load<CreditCodeVectors>('credit-code.json');

/** The vectors' reason names, as our stable reason codes. */
const REASON: Record<Invalid['reason'], ValidationReason> = {
  checksum: 'check_character',
  date: 'birth_date',
  length: 'length',
  case: 'case',
  format: 'characters',
  charset: 'characters',
};

/** What lenient mode should make of a vector: the upper-cased, trimmed, full-width-to-ASCII form. */
function canonical(value: string): string {
  return value.normalize('NFKC').trim().toUpperCase();
}

const TODAY = new Date('2026-03-01T00:00:00Z');

describe('resident ID vectors (GB 11643-1999)', () => {
  it('has vectors to run', () => {
    expect(residentIds.valid.length).toBeGreaterThan(10);
    expect(residentIds.invalid.length).toBeGreaterThan(20);
  });

  it.each(residentIds.valid)('accepts $value', (vector) => {
    const result = validateResidentId(vector.value, { today: TODAY });
    expect(result).toEqual({
      valid: true,
      normalized: vector.value,
      addressCode: vector.value.slice(0, 6),
      birthDate: vector.birthDate,
      sex: vector.sex,
    });
    expect(residentIdCheckCharacter(vector.value.slice(0, 17))).toBe(vector.checkChar);
  });

  it.each(residentIds.invalid)('refuses "$value" ($reason)', (vector) => {
    const result = validateResidentId(vector.value, { today: TODAY });
    expect(result).toMatchObject({ valid: false, reason: REASON[vector.reason] });
    if (!result.valid) expect(result.message).not.toContain(vector.value || '\u0000');
  });

  const validValues = new Set(residentIds.valid.map((v) => v.value));
  it.each(residentIds.invalid)(
    'in lenient mode, "$value" is valid only if its canonical form is',
    (vector) => {
      const expected = vector.validIfUppercased || validValues.has(canonical(vector.value));
      expect(validateResidentId(vector.value, { lenient: true, today: TODAY }).valid).toBe(expected);
    },
  );

  describe('implementation-defined vectors, as we decided them', () => {
    const decided: Record<string, ValidationReason | 'valid'> = {
      '000000194912310027': 'address_code', // 00 is no province
      '110105209912310029': 'birth_date', // in the future
      '110105180001010029': 'valid', // no year floor unless asked for
    };

    it('covers every implementation-defined vector', () => {
      expect(residentIds.implementationDefined.map((v) => v.value).sort()).toEqual(
        Object.keys(decided).sort(),
      );
    });

    it.each(Object.entries(decided))('%s → %s', (value, outcome) => {
      const result = validateResidentId(value, { today: TODAY });
      expect(result.valid ? 'valid' : result.reason).toBe(outcome);
    });

    it('refuses births before minBirthYear when one is set', () => {
      expect(validateResidentId('110105180001010029', { minBirthYear: 1900 })).toMatchObject({
        valid: false,
        reason: 'birth_date',
      });
      // The standard's own 1880 example then fails too: that is why there is no floor by default.
      expect(validateResidentId('440524188001010014', { minBirthYear: 1900 }).valid).toBe(false);
      expect(validateResidentId('11010519491231002X', { minBirthYear: 1900 }).valid).toBe(true);
    });
  });
});

describe('unified social credit code vectors (GB 32100-2015)', () => {
  it('has vectors to run', () => {
    expect(creditCodes.valid.length).toBeGreaterThan(10);
    expect(creditCodes.invalid.length).toBeGreaterThan(15);
  });

  it.each(creditCodes.valid)('accepts $value', (vector) => {
    const result = validateCreditCode(vector.value);
    expect(result).toEqual({
      valid: true,
      normalized: vector.value,
      registrationAuthority: vector.value.charAt(0),
      category: vector.value.charAt(1),
      divisionCode: vector.value.slice(2, 8),
      organizationCode: vector.value.slice(8, 17),
      organizationCodeCheckOk: vector.organizationCodeCheckOk,
    });
    expect(creditCodeCheckCharacter(vector.value.slice(0, 17))).toBe(vector.checkChar);
  });

  it.each(creditCodes.invalid)('refuses "$value" ($reason)', (vector) => {
    const result = validateCreditCode(vector.value);
    expect(result).toMatchObject({ valid: false, reason: REASON[vector.reason] });
  });

  const validValues = new Set(creditCodes.valid.map((v) => v.value));
  it.each(creditCodes.invalid)(
    'in lenient mode, "$value" is valid only if its canonical form is',
    (vector) => {
      const expected = vector.validIfUppercased || validValues.has(canonical(vector.value));
      expect(validateCreditCode(vector.value, { lenient: true }).valid).toBe(expected);
    },
  );

  describe('implementation-defined vectors, as we decided them', () => {
    // Check character only: structural rules are not enforced, the organization-code check is reported.
    const decided: Record<string, { valid: boolean; organizationCodeCheckOk: boolean }> = {
      '123456789012345678': { valid: true, organizationCodeCheckOk: false },
      '01350100M000100Y4C': { valid: true, organizationCodeCheckOk: true },
      '9135010AM000100Y4K': { valid: true, organizationCodeCheckOk: true },
    };

    it('covers every implementation-defined vector', () => {
      expect(creditCodes.implementationDefined.map((v) => v.value).sort()).toEqual(
        Object.keys(decided).sort(),
      );
    });

    it.each(Object.entries(decided))('%s → %o', (value, outcome) => {
      expect(validateCreditCode(value)).toMatchObject(outcome);
    });
  });
});
