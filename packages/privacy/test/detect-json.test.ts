import { describe, expect, it } from 'vitest';
import {
  detectJson,
  isPrivacyError,
  MAX_JSON_DEPTH,
  redact,
  redactJson,
  type JsonValue,
} from '../src/index.ts';

const ID = '11010519491231002X';

const payload = {
  event: 'account.updated',
  actor: { id: 42, email: 'Officer.Li@gov.example.cn' },
  subject: {
    name: '张三',
    phones: [13800138000, '+86 139-0013-9000', 'none'],
    documents: [{ type: 'resident-id', number: ID }],
    "o'dd key": 'card 4111 1111 1111 1111, backup 4111111111111111',
  },
  at: 1714000000000,
  ok: true,
  note: null,
};

describe('detectJson', () => {
  it('reports each finding with its RFC 9535 normalized path and span', () => {
    expect(detectJson(payload)).toEqual([
      { path: "$['actor']['email']", kind: 'email', start: 0, end: 25 },
      { path: "$['subject']['phones'][0]", kind: 'mobile', start: 0, end: 11 },
      { path: "$['subject']['phones'][1]", kind: 'mobile', start: 0, end: 17 },
      { path: "$['subject']['documents'][0]['number']", kind: 'resident-id', start: 0, end: 18 },
      { path: "$['subject']['o\\'dd key']", kind: 'bank-card', start: 5, end: 24 },
      { path: "$['subject']['o\\'dd key']", kind: 'bank-card', start: 33, end: 49 },
    ]);
  });

  it('includes values when asked and honours kinds', () => {
    expect(detectJson(payload, { kinds: ['resident-id'], includeValue: true })).toEqual([
      { path: "$['subject']['documents'][0]['number']", kind: 'resident-id', start: 0, end: 18, value: ID },
    ]);
  });

  it('scans a bare string or number as the root', () => {
    expect(detectJson(ID)).toEqual([{ path: '$', kind: 'resident-id', start: 0, end: 18 }]);
    expect(detectJson(13800138000)).toEqual([{ path: '$', kind: 'mobile', start: 0, end: 11 }]);
    expect(detectJson(null)).toEqual([]);
  });

  it('escapes control characters and backslashes in names', () => {
    expect(detectJson({ 'a\\b\n\u0001': '13800138000' })[0]?.path).toBe("$['a\\\\b\\n\\u0001']");
  });

  it('leaves numbers beyond 2^53 alone: their digits are already lost', () => {
    expect(detectJson({ card: Number('4111111111111111111') })).toEqual([]);
  });
});

describe('redactJson', () => {
  it('masks every finding with its profile and leaves the rest', () => {
    expect(redactJson(payload)).toEqual({
      event: 'account.updated',
      actor: { id: 42, email: 'O***@gov.example.cn' },
      subject: {
        name: '张三', // names are not detected: mask them by field, with the name profile
        phones: ['138****8000', '+86 139-****-9000', 'none'],
        documents: [{ type: 'resident-id', number: '110105********002X' }],
        "o'dd key": 'card 4111 **** **** 1111, backup 4111 **** **** 1111',
      },
      at: 1714000000000,
      ok: true,
      note: null,
    });
  });

  it('does not change its input', () => {
    const copy = structuredClone(payload);
    redactJson(payload);
    expect(payload).toEqual(copy);
  });

  it('keeps undefined properties as they are', () => {
    expect(redactJson({ a: undefined, b: '13800138000' } as unknown as JsonValue)).toEqual({
      a: undefined,
      b: '138****8000',
    });
  });

  it('refuses what is not JSON with ERR_PRIVACY_INVALID', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    let deep: unknown = 'x';
    for (let i = 0; i <= MAX_JSON_DEPTH; i++) deep = [deep];
    for (const value of [
      cyclic,
      { at: new Date(0) },
      { n: 10n },
      { f: () => 1 },
      [Symbol('s')],
      deep,
      undefined,
    ]) {
      let caught: unknown;
      try {
        redact(value as JsonValue);
      } catch (err) {
        caught = err;
      }
      expect(isPrivacyError(caught, 'ERR_PRIVACY_INVALID')).toBe(true);
    }
  });

  it('keeps an own __proto__ key a key', () => {
    const parsed = JSON.parse('{"__proto__": "13800138000"}') as JsonValue;
    const redacted = redactJson(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(redacted, '__proto__')?.value).toBe('138****8000');
  });

  it('accepts nesting just under the limit', () => {
    let deep: JsonValue = '13800138000';
    for (let i = 0; i < MAX_JSON_DEPTH - 1; i++) deep = [deep];
    expect(JSON.stringify(redactJson(deep))).toContain('138****8000');
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { phone: '13800138000' };
    expect(redactJson({ a: shared, b: shared })).toEqual({
      a: { phone: '138****8000' },
      b: { phone: '138****8000' },
    });
  });
});

describe('redact', () => {
  it('masks text', () => {
    expect(redact(`身份证${ID}，电话13800138000，邮箱zhangsan@example.com，卡号6200000000000005。`)).toBe(
      '身份证110105********002X，电话138****8000，邮箱z***@example.com，卡号6200 **** **** 0005。',
    );
  });

  it('masks a credit code and leaves near misses alone', () => {
    expect(redact('代码91350100M000100Y43，错误110105194912310021，卡4111111111111112')).toBe(
      '代码913501********0Y43，错误110105194912310021，卡4111111111111112',
    );
  });

  it('fully masks what it found in full-width characters', () => {
    expect(redact('电话：１３８００１３８０００')).toBe('电话：***********');
  });

  it('masks with another character and only the kinds asked for', () => {
    expect(redact(`${ID} 13800138000`, { kinds: ['mobile'], maskChar: '#' })).toBe(`${ID} 138####8000`);
  });

  it('dispatches JSON values to redactJson', () => {
    expect(redact({ phone: '13800138000' })).toEqual({ phone: '138****8000' });
    expect(redact(['13800138000', 13800138000])).toEqual(['138****8000', '138****8000']);
  });
});
