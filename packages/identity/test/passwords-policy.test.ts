import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  assertPasswordPolicy,
  checkPasswordPolicy,
  isCommonPassword,
} from '../src/passwords/index.ts';

// Rules: OWASP ASVS 2.1.1/2.1.2 (12 to at least 128 characters) and NIST SP 800-63B-4 password
// verifiers (count Unicode code points after normalization, allow spaces and every script, refuse
// common passwords and context-specific words such as the username).
describe('password policy', () => {
  it('accepts a long passphrase in Chinese', () => {
    expect(checkPasswordPolicy('我每天早上骑自行车去图书馆看书')).toEqual([]);
    expect(checkPasswordPolicy('我每天早上骑自行车去图书馆看书', { username: 'zhangwei' })).toEqual([]);
  });

  it('accepts a passphrase with spaces and punctuation', () => {
    expect(checkPasswordPolicy('purple tractor, seven lanterns')).toEqual([]);
  });

  it('refuses fewer than 12 characters and more than 128', () => {
    expect(PASSWORD_MIN_LENGTH).toBe(12);
    expect(PASSWORD_MAX_LENGTH).toBe(128);
    expect(checkPasswordPolicy('violet moth')).toEqual(['too_short']);
    expect(checkPasswordPolicy('violet moths')).toEqual([]);
    const long = 'the quick brown fox jumps over a lazy dog; '.repeat(3);
    expect(checkPasswordPolicy(long.slice(0, 128))).toEqual([]);
    expect(checkPasswordPolicy(long.slice(0, 129))).toEqual(['too_long']);
    expect(checkPasswordPolicy('x'.repeat(100_000))).toEqual(['too_long']);
  });

  it('counts characters as Unicode code points after NFC, not UTF-16 units or bytes', () => {
    // Each emoji is two UTF-16 units; each decomposed "é" is two code points before NFC.
    expect(checkPasswordPolicy('🦊🐻🐼🐨🐯🦁🐮🐷🐸🐵🐔🐧')).toEqual([]);
    expect(checkPasswordPolicy('🦊🐻🐼🐨🐯🦁🐮🐷🐸🐵🐔')).toEqual(['too_short']);
    const accents = 'éèêëēėęàáâäæ'.normalize('NFD');
    expect(accents.length).toBeGreaterThan(12);
    expect(checkPasswordPolicy(accents.slice(0, accents.length - 2))).toEqual(['too_short']);
    const decomposed128 = 'é'.normalize('NFD') + 'abcdefghij'.repeat(12) + 'klmnopq';
    expect(decomposed128.length).toBe(129);
    expect(checkPasswordPolicy(decomposed128)).toEqual([]);
  });

  it('refuses common passwords from the shipped list, ignoring case and full-width forms', () => {
    for (const common of ['qwertyuiop123', '1qaz2wsx3edc', 'iloveyou1234']) {
      expect(checkPasswordPolicy(common)).toEqual(['common']);
    }
    // "password" is a context word too, so these also carry that reason.
    expect(checkPasswordPolicy('PassWord1234')).toContain('common');
    expect(checkPasswordPolicy('ｐａｓｓｗｏｒｄ１２３４')).toContain('common');
    expect(isCommonPassword('purple tractor, seven lanterns')).toBe(false);
  });

  it('ships a list of 10,000 passwords, each at least 12 characters', () => {
    // Shorter ones are refused for their length already (packages/identity/data/README.md).
    const list = readFileSync(new URL('../data/common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter(Boolean);
    expect(list).toHaveLength(10_000);
    expect(list.every((password) => [...password].length >= 12)).toBe(true);
    expect(list.every((password) => isCommonPassword(password))).toBe(true);
  });

  it('refuses a password that contains the username, in any case', () => {
    expect(checkPasswordPolicy('alice.wong-spring-2025', { username: 'alice.wong' })).toEqual([
      'contains_identifier',
    ]);
    expect(checkPasswordPolicy('ALICE.WONG-spring-2025', { username: 'Alice.Wong' })).toEqual([
      'contains_identifier',
    ]);
    expect(checkPasswordPolicy('a long enough passphrase', { username: 'a long enough passphrase' })).toEqual(
      ['contains_identifier'],
    );
  });

  it('refuses a password that contains the e-mail local part or the phone number', () => {
    expect(checkPasswordPolicy('my awong99 password!', { email: 'awong99@example.gov' })).toEqual([
      'contains_identifier',
    ]);
    const phone = { phone: '+86 138 0013 8000' };
    expect(checkPasswordPolicy('call me on 13800138000', phone)).toEqual(['contains_identifier']);
    expect(checkPasswordPolicy('call me on 138-0013-8000', phone)).toEqual(['contains_identifier']);
    expect(checkPasswordPolicy('call me on the landline', phone)).toEqual([]);
  });

  it('does not refuse a passphrase for containing a very short username', () => {
    expect(checkPasswordPolicy('an important lesson learned', { username: 'ann' })).toEqual([]);
  });

  it('refuses a password made of three or fewer different characters', () => {
    expect(checkPasswordPolicy('zxzxzxzxzxzxzxzx')).toEqual(['repetitive']);
    expect(checkPasswordPolicy('哈哈哈哈哈哈哈哈哈哈哈哈')).toEqual(['repetitive']);
  });

  it('names every reason at once', () => {
    expect(checkPasswordPolicy('alice', { username: 'alice' })).toEqual(['too_short', 'contains_identifier']);
  });

  it('throws ERR_PASSWORD_POLICY naming the reasons, never the password', () => {
    expect(() => assertPasswordPolicy('purple tractor, seven lanterns')).not.toThrow();
    let thrown: unknown;
    try {
      assertPasswordPolicy('Password1234', { username: 'someone' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ name: 'IdentityError', code: 'ERR_PASSWORD_POLICY' });
    const message = (thrown as Error).message;
    expect(message).toContain('common');
    expect(message.toLowerCase()).not.toContain('password1234');
  });
});

describe('context-specific words (ASVS 6.1.2, 6.2.11)', () => {
  it('refuses passwords built from OneGate and government words plus digits or symbols', () => {
    for (const password of [
      'onegate2026onegate',
      'civilaffairs123456',
      'Civil Affairs 123456!',
      '统一身份认证2026年0101',
      'shebao-mima-20260101',
      // The region and the staff roles (found by an audit: these passed before they were listed).
      'zhejianghangzhou2026',
      'hangzhou2026hangzhou',
      '浙江杭州2026浙江杭州',
      'securityofficer2026!',
      'clerkregistrar2026',
    ]) {
      expect(checkPasswordPolicy(password)).toContain('context_words');
    }
  });

  it('accepts a passphrase that merely mentions one of them', () => {
    expect(checkPasswordPolicy('onegate keeps my tax papers tidy')).toEqual([]);
    expect(checkPasswordPolicy('我在税务局门口吃了一碗牛肉面')).toEqual([]);
  });
});
