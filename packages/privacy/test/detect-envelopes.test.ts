import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  detectText,
  isEnvelope,
  isPrivacyError,
  openFieldText,
  redact,
  redactJson,
  redactText,
  sealField,
  type CipherAlgorithm,
  type DataKey,
  type JsonValue,
} from '../src/index.ts';

const ID = '11010519491231002X';
const MOBILE = '13800138000';
/** Luhn-valid UnionPay number. */
const CARD = '6222021234567890128';
const EMAIL = 'zhangsan@example.com';
const USCC = '91350100M000100Y43';

const place = { table: 'accounts', column: 'phone', row: 'a1' };

/**
 * A real envelope under a subject key whose id is an ID number, as a
 * crypto-shredding key may be (`subject.<subjectId>`): the detector alone
 * finds the ID inside the key id.
 */
function sealed(
  plaintext: string,
  algorithm: CipherAlgorithm = 'aes-256-gcm',
  keyId = `subject.${ID}`,
): { envelope: string; open: (text: string) => string } {
  const key: DataKey = { keyId, version: 1, algorithm, material: createSecretKey(randomBytes(32)) };
  return {
    envelope: sealField(key, plaintext, place),
    open: (text) => openFieldText(text, place, () => key),
  };
}

describe('redaction leaves ciphertext envelopes whole', () => {
  it.each<CipherAlgorithm>(['aes-256-gcm', 'sm4-ctr-hmac-sm3'])(
    'an envelope (%s) whose key id holds an ID number comes back unchanged and still opens',
    (algorithm) => {
      const { envelope, open } = sealed(MOBILE, algorithm);
      // What redaction must not do: the detector does see the ID inside the key id.
      expect(detectText(envelope, { includeValue: true }).map((f) => f.value)).toContain(ID);
      expect(isEnvelope(envelope)).toBe(true);
      for (const redacted of [redactText(envelope), redact(envelope), redactJson(envelope)]) {
        expect(redacted).toBe(envelope);
        expect(open(redacted as string)).toBe(MOBILE);
      }
    },
  );

  it('masks the text around envelopes, in any position and with any neighbour', () => {
    const { envelope: a, open } = sealed(MOBILE);
    const { envelope: b } = sealed(ID, 'sm4-ctr-hmac-sm3', `subject.${MOBILE}`);
    expect(redactText(`sealed ${a} for ${MOBILE}`)).toBe(`sealed ${a} for 138****8000`);
    expect(redactText(`${ID}:${a},${b};${CARD}`)).toBe(`110105********002X:${a},${b};6222 **** **** 0128`);
    expect(redactText(`身份证${ID}，密文${a}，邮箱${EMAIL}。`)).toBe(
      `身份证110105********002X，密文${a}，邮箱z***@example.com。`,
    );
    expect(redactText(`{"phone":"${a}","note":"${MOBILE}"}`)).toBe(`{"phone":"${a}","note":"138****8000"}`);
    expect(redactText(`${a} ${a}`)).toBe(`${a} ${a}`);
    expect(redactText(`${USCC} ${b}`, { maskChar: '#' })).toBe(`913501########0Y43 ${b}`);
    expect(open(redactText(`x ${a} ${MOBILE}`).split(' ')[1]!)).toBe(MOBILE);
  });

  it('masks around envelopes in every string of a JSON value, and leaves envelope values alone', () => {
    const { envelope, open } = sealed(MOBILE);
    const value: JsonValue = {
      stored: envelope,
      list: [envelope, MOBILE, 13900139000],
      nested: { note: `${envelope} for ${MOBILE}`, id: ID },
    };
    const redacted = redactJson(value);
    expect(redacted).toEqual({
      stored: envelope,
      list: [envelope, '138****8000', '139****9000'],
      nested: { note: `${envelope} for 138****8000`, id: '110105********002X' },
    });
    expect(redact(value)).toEqual(redacted);
    expect(open((redacted as { stored: string }).stored)).toBe(MOBILE);
  });

  it('recognises an envelope by the envelope parser: a look-alike is masked like any other text', () => {
    const { envelope } = sealed(MOBILE);
    const [tag, alg, keyId, version, payload] = envelope.split(':') as [
      string,
      string,
      string,
      string,
      string,
    ];
    const maskedKeyId = 'subject.110105********002X';
    for (const lookalike of [
      `${tag}:${alg}:${keyId}:1:AAAA`, // payload too short for its algorithm
      `${tag}:${alg}:${keyId}:0:${payload}`, // version 0
      `${tag}:${alg}:${keyId}:01:${payload}`, // leading zero
      `${tag}:${alg}:${keyId}:2147483648:${payload}`, // version beyond 2^31 - 1
      `${tag}:a128gcm:${keyId}:${version}:${payload}`, // unknown algorithm
      `og2:${alg}:${keyId}:${version}:${payload}`, // unknown format
      // Padding inside: the part before '=' is too short to be a payload, whatever the random nonce.
      `${tag}:${alg}:${keyId}:${version}:${payload.slice(0, 10)}=${payload.slice(10)}`,
    ]) {
      expect(isEnvelope(lookalike)).toBe(false);
      expect(redactText(lookalike)).toContain(maskedKeyId);
      expect(redactText(lookalike)).not.toContain(ID);
    }
  });

  it('keeps every envelope and masks every value in random mixes of the two', () => {
    const envelopes = [
      sealed(MOBILE).envelope,
      sealed(ID, 'sm4-ctr-hmac-sm3').envelope,
      sealed('', 'aes-256-gcm', `subject.${MOBILE}`).envelope,
      sealed(EMAIL, 'aes-256-gcm', 'identity.accounts.email').envelope,
    ];
    const values: Array<[string, string]> = [
      [ID, '110105********002X'],
      [MOBILE, '138****8000'],
      [CARD, '6222 **** **** 0128'],
      [EMAIL, 'z***@example.com'],
      [USCC, '913501********0Y43'],
      ['hello', 'hello'],
      ['1234', '1234'],
    ];
    // Separators outside every token alphabet, so each piece stands alone.
    const separators = [' ', ', ', '，', '；', '"', ' | ', '\n', '（', '）'];
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 500; round++) {
      let text = '';
      let expected = '';
      const pieces = 1 + next(8);
      for (let i = 0; i < pieces; i++) {
        if (i > 0 || next(2) === 0) {
          const separator = separators[next(separators.length)]!;
          text += separator;
          expected += separator;
        }
        if (next(2) === 0) {
          const envelope = envelopes[next(envelopes.length)]!;
          text += envelope;
          expected += envelope;
        } else {
          const [plain, masked] = values[next(values.length)]!;
          text += plain;
          expected += masked;
        }
      }
      expect(redactText(text)).toBe(expected);
    }
  });
});

describe('isEnvelope', () => {
  it('is true only for a whole, well-formed envelope', () => {
    const { envelope } = sealed(MOBILE);
    expect(isEnvelope(envelope)).toBe(true);
    for (const other of [` ${envelope}`, `${envelope} `, `${envelope}x`, 'og1:', '', MOBILE, 42, null]) {
      expect(isEnvelope(other)).toBe(false);
    }
  });
});

describe('redaction checks its arguments even when there is nothing to find', () => {
  it('refuses unknown kinds and non-text with ERR_PRIVACY_INVALID', () => {
    for (const call of [
      () => redactText('hello', { kinds: ['passport' as never] }),
      () => redactText(42 as never),
      () => redactJson({ a: 'hello' }, { kinds: ['passport' as never] }),
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
