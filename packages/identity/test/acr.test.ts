import { describe, expect, it } from 'vitest';
import { ACR, ACR_VALUES, acrLevel, requiredAcrLevel } from '../src/provider/acr.ts';

describe('authentication context class (acr)', () => {
  describe('when ranking a session level', () => {
    it('orders low < substantial < high as 1, 2, 3', () => {
      expect(ACR_VALUES).toEqual([ACR.low, ACR.substantial, ACR.high]);
      expect(acrLevel(ACR.low)).toBe(1);
      expect(acrLevel(ACR.substantial)).toBe(2);
      expect(acrLevel(ACR.high)).toBe(3);
    });

    it('gives 0 to an absent or unknown level, so it satisfies nothing', () => {
      expect(acrLevel(undefined)).toBe(0);
      expect(acrLevel('')).toBe(0);
      expect(acrLevel('urn:other:acr:high')).toBe(0);
      expect(acrLevel('URN:ONEGATE:ACR:HIGH')).toBe(0);
    });
  });

  describe('when an authorization request names what it accepts', () => {
    it('needs nothing when it names nothing', () => {
      expect(requiredAcrLevel(undefined, undefined)).toBe(0);
      expect(requiredAcrLevel('', null)).toBe(0);
      expect(requiredAcrLevel(undefined, {})).toBe(0);
    });

    it('needs the level of a single acr_values entry', () => {
      expect(requiredAcrLevel(ACR.high, undefined)).toBe(3);
      expect(requiredAcrLevel(ACR.low, undefined)).toBe(1);
    });

    it('needs the lowest of several accepted values, in any order', () => {
      expect(requiredAcrLevel(`${ACR.high} ${ACR.substantial}`, undefined)).toBe(2);
      expect(requiredAcrLevel(`${ACR.substantial} ${ACR.high} ${ACR.low}`, undefined)).toBe(1);
    });

    it('ignores values it does not know', () => {
      expect(requiredAcrLevel(`urn:other:loa:4 ${ACR.high}`, undefined)).toBe(3);
      expect(requiredAcrLevel('urn:other:loa:4 phr', undefined)).toBe(0);
      expect(requiredAcrLevel(`${ACR.high}  ${ACR.substantial}`, undefined)).toBe(2);
    });

    it('reads claims.id_token.acr value', () => {
      expect(requiredAcrLevel(undefined, { essential: true, value: ACR.high })).toBe(3);
      expect(requiredAcrLevel(undefined, { value: 'urn:other:loa:4' })).toBe(0);
    });

    it('reads claims.id_token.acr values, taking the lowest known one', () => {
      expect(requiredAcrLevel(undefined, { values: [ACR.high, ACR.substantial] })).toBe(2);
      expect(requiredAcrLevel(undefined, { values: ['urn:other:loa:4', ACR.high] })).toBe(3);
    });

    it('takes the lowest across acr_values and the claims request', () => {
      expect(requiredAcrLevel(ACR.high, { value: ACR.substantial })).toBe(2);
      expect(requiredAcrLevel(ACR.substantial, { values: [ACR.high] })).toBe(2);
      expect(requiredAcrLevel(`${ACR.high}`, { value: ACR.high, values: [ACR.low] })).toBe(1);
    });

    it('ignores a malformed claims request', () => {
      expect(requiredAcrLevel(undefined, ACR.high)).toBe(0);
      expect(requiredAcrLevel(undefined, { value: 3 })).toBe(0);
      expect(requiredAcrLevel(undefined, { values: ACR.high })).toBe(0);
      expect(requiredAcrLevel(undefined, { values: [3, null, ACR.substantial] })).toBe(2);
      expect(requiredAcrLevel(ACR.high, null)).toBe(3);
    });
  });
});
