import { describe, expect, it } from 'vitest';
import { scanText } from '../src/detect/detect-text.ts';
import { PRIORITY } from '../src/detect/findings.ts';
import { detectText, mayHoldPersonalData, redactText } from '../src/index.ts';

const ID = '11010519491231002X';
const MOBILE = '13800138000';
/** Luhn-valid UnionPay number. */
const CARD = '6222021234567890128';
const USCC = '91350100M000100Y43';
const EMAIL = 'zhang.san@example.cn';

const ALL = new Set(PRIORITY);

/** A deterministic pseudo-random generator: a failure can be replayed. */
function random(seed: number): (n: number) => number {
  return (n) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
}

describe('the fast path (mayHoldPersonalData)', () => {
  it('skips the detector only for text in which it could find nothing', () => {
    // Random text over an alphabet rich in digits, separators, capitals, `@`
    // and full-width forms, then valid values with random damage: whenever the
    // fast path says "nothing here", the detector proper agrees.
    const alphabet = '0123456789013800X @.-+ ABCMNY abcxyz１３８０Ｘ＠ＭＹ：，\u3000中文';
    const next = random(42);
    const texts: string[] = [];
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      const length = next(40);
      for (let i = 0; i < length; i++) text += alphabet[next(alphabet.length)];
      texts.push(text);
    }
    for (const value of [ID, MOBILE, CARD, USCC, EMAIL, '+86 138-0013-8000', '6222 0212 3456 7890 128']) {
      for (let n = 0; n < 2_000; n++) {
        const chars = [...value];
        for (let damage = 1 + next(3); damage > 0; damage--) {
          chars[next(chars.length)] = alphabet[next(alphabet.length)]!;
        }
        texts.push(`${alphabet[next(alphabet.length)]}${chars.join('')}`);
      }
    }
    let skipped = 0;
    for (const text of texts) {
      if (mayHoldPersonalData(text)) continue;
      skipped++;
      expect(scanText(text, ALL, false)).toEqual([]);
    }
    // Neither side is trivial: many texts are skipped, many are not, and the detector finds things in the rest.
    expect(skipped).toBeGreaterThan(texts.length / 10);
    expect(skipped).toBeLessThan(texts.length * 0.9);
    expect(texts.filter((text) => detectText(text).length > 0).length).toBeGreaterThan(1_000);
  });

  it('says yes to every kind, written any way the detector reads it', () => {
    for (const text of [
      MOBILE,
      `x ${ID}`,
      CARD,
      USCC,
      'a@b.cn',
      '138 0013 8000',
      '１３８０',
      '９１３５０１００Ｍ０００１００Ｙ４３',
      'zhang＠example.cn',
    ]) {
      expect(mayHoldPersonalData(text)).toBe(true);
    }
  });

  it('says no to the strings a log line is mostly made of', () => {
    for (const text of [
      '',
      'request',
      'GET',
      '/healthz',
      '::ffff:127.0.0.1',
      '3f1c9a2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
      'ABCDEFGHIJKLMNOPQ', // 17 capitals
      '123-456-789',
    ]) {
      expect(mayHoldPersonalData(text)).toBe(false);
    }
  });

  it('is what redactText and detectText start with: skipped text comes back as the same string', () => {
    const text = 'GET /api/v1/authz/check 200';
    expect(redactText(text)).toBe(text);
    expect(detectText(text)).toEqual([]);
  });
});
