import { describe, expect, it } from 'vitest';
import { acrSatisfies, parseAcrLevel } from '../src/login/acr.ts';

describe('assurance levels', () => {
  it('reads OneGate URNs and bare names', () => {
    expect(parseAcrLevel('urn:onegate:acr:substantial')).toBe('substantial');
    expect(parseAcrLevel('high')).toBe('high');
    expect(parseAcrLevel('urn:other:acr:high')).toBeUndefined();
  });

  it('orders low < substantial < high; an absent or unknown acr satisfies nothing', () => {
    expect(acrSatisfies('urn:onegate:acr:high', 'substantial')).toBe(true);
    expect(acrSatisfies('urn:onegate:acr:substantial', 'substantial')).toBe(true);
    expect(acrSatisfies('urn:onegate:acr:low', 'substantial')).toBe(false);
    expect(acrSatisfies(undefined, 'low')).toBe(false);
    expect(acrSatisfies('0', 'low')).toBe(false);
  });
});
